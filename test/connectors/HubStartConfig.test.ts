/**
 * `scripts/switchboard serve` with SWITCHBOARD_CONNECTORS: a bad connector configuration stops the start
 * before the hub listens (no banner, exit 1, one stderr line per variable); a good one with unprefixed
 * variables starts, and its checkpoint file is private.
 */
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import * as Child from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as HubProcess from "../delivery/support/HubProcess.js"
import * as TestDatabase from "../support/TestDatabase.js"
import { checkpointNext, eventually } from "./Inbox.js"

const SCRIPT = Path.resolve(import.meta.dirname, "../../scripts/switchboard")

class DatabaseUrl extends Context.Tag("test/DatabaseUrl")<DatabaseUrl, string>() {}
const Env = Layer.merge(
  Layer.scoped(
    DatabaseUrl,
    Effect.map(TestDatabase.freshTarget, (t) => `postgres://postgres@${t.host}:${t.port}/${t.database}`)
  ),
  NodeContext.layer
)

/** The environment without any connector variable the test runner may have. */
const cleanEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(CONNECTOR_|SANDBOX_|TELEGRAM_|BUTLER_|SWITCHBOARD_)/.test(k))
  ) as Record<string, string>

interface Exited {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `switchboard <args>` until it exits by itself (killed after 90 s: a hang guard, the assertion then fails). */
const runToExit = (env: Record<string, string>, args: ReadonlyArray<string> = ["serve"]) =>
  Effect.async<Exited>((resume) => {
    const child = Child.spawn(SCRIPT, args, { env: { ...cleanEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")))
    const guard = setTimeout(() => child.kill("SIGKILL"), 90_000)
    child.once("close", (code) => {
      clearTimeout(guard)
      resume(Effect.succeed({ code, stdout, stderr }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

layer(Env, { excludeTestServices: true, timeout: 180_000 })("hub start with hosted connectors", (it) => {
  it.effect("sandbox,telegram with missing variables: exit 1 before the banner, each variable on its own stderr line", () =>
    Effect.gen(function*() {
      const result = yield* runToExit({
        DATABASE_URL: yield* DatabaseUrl,
        SWITCHBOARD_PORT: "0",
        SWITCHBOARD_DEV_TOKEN: "false",
        SWITCHBOARD_CONNECTORS: "sandbox,telegram",
        CONNECTOR_PROVIDER: "telegram",
        TELEGRAM_CONNECTOR_CURSOR_STORE: "file"
      })
      assert.strictEqual(result.code, 1)
      assert.notInclude(result.stdout, "listening")
      assert.strictEqual(result.stdout, "")
      const lines = result.stderr.split("\n").map((l) => l.trim())
      for (
        const expected of [
          "SANDBOX_CONNECTOR_ENDPOINT_IDENTITY (or CONNECTOR_ENDPOINT_IDENTITY) is missing",
          "TELEGRAM_CONNECTOR_ENDPOINT_IDENTITY (or CONNECTOR_ENDPOINT_IDENTITY) is missing",
          "TELEGRAM_CONNECTOR_CURSOR_PATH is missing (or set TELEGRAM_CONNECTOR_CURSOR_STORE=hub to keep the cursor in the hub)",
          "BUTLER_TELEGRAM_TOKEN is missing",
          "CONNECTOR_PROVIDER is ambiguous when the hub runs several connectors (sandbox, telegram): set " +
          "SANDBOX_CONNECTOR_PROVIDER, TELEGRAM_CONNECTOR_PROVIDER instead"
        ]
      ) assert.include(lines, expected)
      assert.notInclude(result.stderr, "<redacted>")
      // the hub stopped before the database: nothing was migrated
      assert.notInclude(result.stderr, "migrations: applied")
    }))

  it.scoped("one hosted sandbox with the runbook's unprefixed variables and CONNECTOR_CURSOR_STORE=file starts; its checkpoint is 0600 in a 0700 directory", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "hub-start-" })
      const cursor = Path.join(dir, "state", "sandbox.json")
      const hub = yield* HubProcess.start({
        ...cleanEnv(),
        DATABASE_URL: yield* DatabaseUrl,
        SWITCHBOARD_CONNECTORS: "sandbox",
        CONNECTOR_PROVIDER: "sandbox",
        CONNECTOR_CHANNEL: "sandbox",
        CONNECTOR_ENDPOINT_IDENTITY: "start-1",
        CONNECTOR_CURSOR_STORE: "file",
        CONNECTOR_CURSOR_PATH: cursor,
        CONNECTOR_POLL_INTERVAL_S: "0.1",
        CONNECTOR_HEARTBEAT_ENABLED: "false",
        SANDBOX_RATE_PER_S: "100",
        SANDBOX_TOTAL: "5"
      })
      assert.match(hub.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      yield* eventually(Effect.map(checkpointNext(cursor), (n) => Option.getOrElse(n, () => -1) === 5), "the checkpoint at 5")
      assert.strictEqual(Fs.statSync(cursor).mode & 0o777, 0o600)
      assert.strictEqual(Fs.statSync(Path.dirname(cursor)).mode & 0o777, 0o700)
      yield* HubProcess.kill(hub, "SIGTERM")
    }))

  it.effect("a connector process: a wrong CONNECTOR_PROVIDER and a missing bot token, each named on its own line", () =>
    Effect.gen(function*() {
      const result = yield* runToExit({
        SWITCHBOARD_URL: "http://127.0.0.1:9",
        SWITCHBOARD_API_TOKEN: "sw_test_notusednotusednotusednotusednotusednotu",
        CONNECTOR_PROVIDER: "gmail",
        CONNECTOR_ENDPOINT_IDENTITY: "support_bot",
        CONNECTOR_CURSOR_PATH: "/tmp/never-written.json"
      }, ["connector", "telegram"])
      assert.strictEqual(result.code, 1)
      const lines = result.stderr.split("\n").map((l) => l.trim())
      assert.include(lines, "CONNECTOR_PROVIDER is \"gmail\", but the telegram connector's provider is \"telegram\"")
      assert.include(lines, "BUTLER_TELEGRAM_TOKEN is missing")
      assert.notInclude(result.stderr, "<redacted>")
    }))
})
