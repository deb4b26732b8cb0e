/**
 * What a user meets first: `npm start` on the embedded database prints a working dev token (mode 0600,
 * reused on the next start); a start on DATABASE_URL creates none unless asked, and never touches the
 * embedded database's dev-token file.
 */
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Schedule } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { sample } from "../support/Fixtures.js"
import { postJson, request } from "../support/Http.js"
import * as TestDatabase from "../support/TestDatabase.js"
import * as HubProcess from "../delivery/support/HubProcess.js"

class Target extends Context.Tag("test/Target")<Target, TestDatabase.Target>() {}
const Env = Layer.scoped(Target, TestDatabase.freshTarget)

const TOKEN_LINE = /^\s+(sw_dev_\S+)\s*$/m

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-devtoken-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** The banner once the hub has printed everything it prints at start. */
const banner = (hub: HubProcess.HubProcess, done: RegExp) =>
  Effect.sync(hub.stdout).pipe(
    Effect.filterOrFail((out) => done.test(out), () => "banner not complete"),
    Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds"))),
    Effect.orDie
  )

/** Everything a hub printed on stdout: stopped with SIGTERM, read until its stdout closed. */
const everything = (hub: HubProcess.HubProcess) =>
  HubProcess.kill(hub, "SIGTERM").pipe(
    Effect.zipRight(Effect.async<void>((resume) => {
      const stdout = hub.child.stdout
      if (stdout === null || stdout.closed) return resume(Effect.void)
      stdout.once("close", () => resume(Effect.void))
    })),
    Effect.zipRight(Effect.sync(hub.stdout))
  )

layer(Env, { excludeTestServices: true, timeout: 240_000 })("the development token", (it) => {
  it.scoped("on DATABASE_URL: none by default; with SWITCHBOARD_DEV_TOKEN=true printed, working, and the dev-token file untouched", () =>
    Effect.gen(function*() {
      const target = yield* Target
      const dir = yield* tempDir
      const file = Path.join(dir, "dev-token")
      Fs.writeFileSync(file, "sw_dev_embedded-database-token\n", { mode: 0o600 })
      const env = {
        DATABASE_URL: `postgres://postgres@${target.host}:${target.port}/${target.database}`,
        SWITCHBOARD_DATA_DIR: dir
      }
      const quiet = yield* HubProcess.start({ ...env, SWITCHBOARD_DEV_TOKEN: undefined })
      yield* banner(quiet, /dashboard:/)
      // The dev token would follow the dashboard line: judge the whole output, read to its end.
      const out = yield* everything(quiet)
      assert.include(out, "database: postgres")
      assert.notMatch(out, TOKEN_LINE)
      assert.notInclude(out, "dev token (")

      const forced = yield* HubProcess.start({ ...env, SWITCHBOARD_DEV_TOKEN: "true" })
      const printed = yield* banner(forced, TOKEN_LINE)
      assert.include(printed, "not saved: DATABASE_URL")
      const token = TOKEN_LINE.exec(printed)![1]!
      assert.strictEqual((yield* postJson(`${forced.url}/api/ingest`, token, sample("devtoken-pg"))).status, 202)
      yield* HubProcess.kill(forced, "SIGTERM")
      assert.strictEqual(Fs.readFileSync(file, "utf8"), "sw_dev_embedded-database-token\n")
    }), 120_000)

  it.scoped("npm start on the embedded database: served on a socket only this user can reach; a working token in a 0600 file, the same one on the next start", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const env = { DATABASE_URL: undefined, SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_DEV_TOKEN: undefined }
      const first = yield* HubProcess.start(env)
      const out = yield* banner(first, TOKEN_LINE)
      assert.include(out, "database: embedded")
      const token = TOKEN_LINE.exec(out)![1]!
      const file = Path.join(dir, "dev-token")
      assert.strictEqual(Fs.statSync(file).mode & 0o777, 0o600)
      assert.strictEqual(Fs.readFileSync(file, "utf8").trim(), token)
      assert.strictEqual((yield* postJson(`${first.url}/api/ingest`, token, sample("devtoken-embedded"))).status, 202)
      assert.strictEqual((yield* request(`${first.url}/ready`)).status, 200)
      // The database is served on a Unix socket inside the 0700 data directory, never on a TCP port.
      assert.strictEqual(Fs.statSync(dir).mode & 0o777, 0o700)
      assert.isTrue(Fs.statSync(Path.join(dir, ".s.PGSQL.5432")).isSocket())
      assert.deepInclude(JSON.parse(Fs.readFileSync(Path.join(dir, "embedded.json"), "utf8")), { host: dir, port: 5432 })
      yield* HubProcess.kill(first, "SIGTERM")

      const second = yield* HubProcess.start(env)
      const again = yield* banner(second, TOKEN_LINE)
      assert.strictEqual(TOKEN_LINE.exec(again)![1], token)
      assert.include(again, "reused")
      yield* HubProcess.kill(second, "SIGTERM")
    }), 150_000)
})
