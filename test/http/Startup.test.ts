/**
 * While the hub starts (database, migrations), no request may hang (EFFECT_NOTES G22): until it is
 * ready a client is refused at once, and every request that does get in is answered.
 */
import { Command } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Ref, Schedule } from "effect"
import * as Net from "node:net"
import * as Path from "node:path"
import { repo } from "../support/Cli.js"
import { sample } from "../support/Fixtures.js"
import * as TestDatabase from "../support/TestDatabase.js"

class Target extends Context.Tag("test/Target")<Target, TestDatabase.Target>() {}
const Env = Layer.merge(Layer.scoped(Target, TestDatabase.freshTarget), NodeContext.layer)

const freePort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    server.close(() => resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0)))
  })
})

type Probe = "refused" | "answered" | "hung"

/** One request with a generous deadline: a refused connection and an HTTP answer are both fine; a hang is not. */
const probe = (url: string) =>
  Effect.tryPromise({
    try: (signal) =>
      fetch(url, {
        method: "POST",
        body: JSON.stringify(sample("startup")),
        headers: { authorization: "Bearer sw_test_startupstartupstartupstartupstartupstart" },
        signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)])
      }).then((res) => res.text().then(() => "answered" as Probe)),
    catch: (e) => (e instanceof Error && e.name === "TimeoutError" ? "hung" : "refused") as Probe
  }).pipe(Effect.merge)

layer(Env, { excludeTestServices: true, timeout: 180_000 })("hub start-up", (it) => {
  it.scoped("refuses or answers every request while it starts, and becomes ready", () =>
    Effect.gen(function*() {
      const target = yield* Target
      const port = yield* freePort
      const hub = yield* Command.make(Path.join(repo, "scripts/switchboard"), "serve").pipe(
        Command.workingDirectory(repo),
        Command.env({
          DATABASE_URL: `postgres://postgres@${target.host}:${target.port}/${target.database}`,
          SWITCHBOARD_PORT: String(port),
          SWITCHBOARD_DEV_TOKEN: "false",
          SWITCHBOARD_LOG_LEVEL: "warn"
        }),
        Command.start
      )
      const outcomes = yield* Ref.make<ReadonlyArray<Probe>>([])
      const base = `http://127.0.0.1:${port}`
      yield* probe(`${base}/api/ingest`).pipe(
        Effect.tap((o) => Ref.update(outcomes, (all) => [...all, o])),
        Effect.fork,
        Effect.zipRight(
          Effect.tryPromise(() => fetch(`${base}/ready`, { signal: AbortSignal.timeout(30_000) })).pipe(Effect.map((r) => r.status))
        ),
        Effect.orElseSucceed(() => 0),
        Effect.repeat({ schedule: Schedule.spaced("100 millis"), until: (status) => status === 200 }),
        Effect.timeout("150 seconds")
      )
      const last = yield* probe(`${base}/api/ingest`)
      yield* hub.kill("SIGTERM")
      const all = [...(yield* Ref.get(outcomes)), last]
      assert.notInclude(all, "hung")
      assert.strictEqual(last, "answered")
      assert.include(all, "refused", "some probes ran before the hub was listening")
    }), 170_000)
})
