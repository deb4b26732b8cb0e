/**
 * The connector process probe (CONNECTOR_HTTP_PORT): `scripts/switchboard connector sandbox` as a real
 * child process against a real hub, probed over a real socket. /health and /metrics follow the running
 * process (counters move, state error answers 503), promtool accepts the metrics text, other methods and
 * paths answer JSON 405/404, a bad or taken port fails the start with one line, hosted connectors open none.
 */
import { Command, FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Data, Effect, Layer, Option, Ref, Stream, String as Str } from "effect"
import * as Net from "node:net"
import * as Path from "node:path"
import * as HostedConnectors from "../../layers/Connectors/ConnectorHostLive.js"
import * as CliInProcess from "../support/CliInProcess.js"
import * as TestHub from "../support/TestHub.js"
import { checkpointNext, eventually } from "../connectors/Inbox.js"

const repo = Path.resolve(import.meta.dirname, "../..")

class ProbeUnreachable extends Data.TaggedError("ProbeUnreachable")<{ readonly message: string }> {}
class PromtoolMissing extends Data.TaggedError("PromtoolMissing")<{ readonly message: string }> {}

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

const get = (url: string, init: RequestInit = {}) =>
  Effect.tryPromise({
    try: async (): Promise<Answer> => {
      const res = await fetch(url, init)
      return { status: res.status, headers: res.headers, text: await res.text() }
    },
    catch: (e) => new ProbeUnreachable({ message: String(e) })
  })

const jsonOf = (answer: Answer): Record<string, unknown> => JSON.parse(answer.text) as Record<string, unknown>

/** The value of the sample `name{labels}` in a Prometheus text (labels as rendered). */
const sample = (text: string, series: string): Option.Option<number> =>
  Option.fromNullable(text.split("\n").find((line) => line.startsWith(`${series} `))).pipe(
    Option.map((line) => Number(line.slice(series.length + 1)))
  )

/** `promtool check metrics` on `text`: its exit code and output. A missing promtool fails the test, naming the fix. */
const promtool = (text: string) =>
  Effect.gen(function*() {
    const process = yield* Command.make("promtool", "check", "metrics").pipe(Command.feed(text), Command.start).pipe(
      Effect.mapError(() =>
        new PromtoolMissing({ message: "promtool is not installed: apt-get install -y prometheus (CI: .ci/run installs it)" })
      )
    )
    const [out, err, code] = yield* Effect.all([
      Stream.mkString(Stream.decodeText(process.stdout)),
      Stream.mkString(Stream.decodeText(process.stderr)),
      process.exitCode
    ], { concurrency: "unbounded" })
    return { code: Number(code), output: `${out}${err}` }
  }).pipe(Effect.scoped)

/** Starts the connector process; its stderr is kept (last lines) to explain a failure. */
const startConnector = (env: Record<string, string>, log: Ref.Ref<ReadonlyArray<string>>) =>
  Effect.gen(function*() {
    const process = yield* Command.make("scripts/switchboard", "connector", "sandbox").pipe(
      Command.workingDirectory(repo),
      Command.env(env),
      Command.start
    )
    yield* process.stderr.pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.runForEach((line) => Ref.update(log, (all) => [...all.slice(-40), line])),
      Effect.forkScoped
    )
    return process
  })

const explain = (log: Ref.Ref<ReadonlyArray<string>>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.tapError(() => Effect.flatMap(Ref.get(log), (lines) => Effect.logError(Str.trim(lines.join("\n"))))))

const setup = (endpoint: string, port: number, extra: Record<string, string>) =>
  Effect.gen(function*() {
    const hub = yield* TestHub.TestHub
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped({ prefix: "probe-" })
    const token = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: endpoint })
    const env = {
      PATH: process.env["PATH"] ?? "",
      SWITCHBOARD_URL: hub.url,
      SWITCHBOARD_API_TOKEN: token.token,
      CONNECTOR_ENDPOINT_IDENTITY: endpoint,
      CONNECTOR_CURSOR_PATH: `${dir}/cursor.json`,
      CONNECTOR_POLL_INTERVAL_S: "0.2",
      CONNECTOR_HTTP_PORT: String(port),
      ...extra
    }
    const log = yield* Ref.make<ReadonlyArray<string>>([])
    return { env, log, base: `http://127.0.0.1:${port}` }
  })

/** A listener holding `port` for the scope. */
const holdPort = (port: number) =>
  Effect.acquireRelease(
    Effect.async<Net.Server>((resume) => {
      const server = Net.createServer()
      server.listen(port, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
  )

const Env = Layer.merge(TestHub.layer, NodeContext.layer)

layer(Env, { excludeTestServices: true, timeout: 120_000 })("connector process probe", (it) => {
  it.scoped("GET /health and /metrics follow the running process; promtool accepts the text; 405 and 404 are JSON", () =>
    Effect.gen(function*() {
      const who = `connector_type="sandbox",endpoint_identity="probe-1"`
      const deadLettered = `switchboard_connector_degradations_total{${who},kind="dead_lettered",reason="none"}`
      const { base, env, log } = yield* setup("probe-1", 7620, {
        SANDBOX_RATE_PER_S: "10",
        SANDBOX_TOTAL: "40",
        SANDBOX_BATCH_SIZE: "5",
        SANDBOX_INVALID_EVERY: "4"
      })
      const connector = yield* startConnector(env, log)
      const ingested = yield* Ref.make<ReadonlyArray<number>>([])
      const scrape = Effect.gen(function*() {
        const answer = yield* get(`${base}/metrics`)
        const n = Option.getOrElse(sample(answer.text, `switchboard_connector_messages_ingested_total{${who}}`), () => -1)
        yield* Ref.update(ingested, (all) => [...all, n])
        return answer
      })
      const final = yield* eventually(
        scrape.pipe(
          Effect.map((a) =>
            Option.getOrElse(sample(a.text, `switchboard_connector_messages_ingested_total{${who}}`), () => -1) === 30 &&
            Option.getOrElse(sample(a.text, `switchboard_connector_messages_failed_total{${who}}`), () => -1) === 10 &&
            Option.getOrElse(sample(a.text, deadLettered), () => -1) === 10
          ),
          Effect.orElseSucceed(() => false)
        ),
        "30 ingested, 10 failed and 10 dead-lettered on /metrics"
      ).pipe(Effect.zipRight(scrape), explain(log))
      const seen = (yield* Ref.get(ingested)).filter((n) => n >= 0)
      assert.isBelow(seen[0]!, 30, `the counter moved while probed: ${seen.join(",")}`)
      assert.deepStrictEqual([...seen].sort((a, b) => a - b), seen, "monotonic")

      assert.strictEqual(final.status, 200)
      assert.strictEqual(final.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8")
      assert.deepStrictEqual(sample(final.text, `switchboard_connector_up{${who}}`), Option.some(1))
      assert.isTrue(Option.isSome(sample(final.text, `switchboard_connector_source_api_calls_total{${who}}`)))
      assert.isTrue(Option.getOrElse(sample(final.text, `switchboard_connector_checkpoint_saves_total{${who}}`), () => 0) > 0)
      assert.deepStrictEqual(sample(final.text, `switchboard_connector_dedupe_accepted_total{${who}}`), Option.some(0))
      assert.include(final.text, "# TYPE switchboard_connector_messages_ingested_total counter")
      assert.deepStrictEqual(sample(final.text, deadLettered), Option.some(10))
      assert.isTrue(Option.isSome(sample(final.text, `switchboard_connector_last_submission_timestamp_seconds{${who}}`)))
      const checked = yield* promtool(final.text)
      assert.strictEqual(checked.code, 0, checked.output)

      const health = yield* get(`${base}/health`)
      assert.strictEqual(health.status, 200)
      assert.strictEqual(health.headers.get("content-type"), "application/json")
      const body = jsonOf(health)
      assert.deepStrictEqual(Object.keys(body).sort(), [
        "checkpoint_updated_at",
        "connector_type",
        "degradation",
        "endpoint_identity",
        "instance_id",
        "last_submission_at",
        "status",
        "uptime_s"
      ])
      assert.strictEqual(body["status"], "healthy")
      assert.strictEqual(body["connector_type"], "sandbox")
      assert.strictEqual(body["endpoint_identity"], "probe-1")
      assert.match(String(body["instance_id"]), /^[0-9a-f-]{36}$/)
      assert.isTrue(typeof body["uptime_s"] === "number")
      assert.isTrue(Number.isFinite(Date.parse(String(body["checkpoint_updated_at"]))))
      assert.strictEqual((body["degradation"] as Record<string, unknown>)["dead_lettered"], 10)
      assert.isTrue(Number.isFinite(Date.parse(String(body["last_submission_at"]))))

      const post = yield* get(`${base}/health`, { method: "POST", body: "x" })
      assert.strictEqual(post.status, 405)
      assert.strictEqual(post.headers.get("allow"), "GET")
      assert.strictEqual(jsonOf(post)["error"], "MethodNotAllowed")
      const missing = yield* get(`${base}/ready?x=1`)
      assert.strictEqual(missing.status, 404)
      assert.strictEqual(jsonOf(missing)["error"], "NotFound")

      yield* connector.kill("SIGTERM")
      assert.strictEqual(yield* connector.exitCode, 0)
      assert.strictEqual((yield* Effect.flip(get(`${base}/health`)))._tag, "ProbeUnreachable", "the probe closes with the process")
    }))

  it.scoped("a connector in health state error answers 503 with the same body", () =>
    Effect.gen(function*() {
      const { base, env, log } = yield* setup("probe-2", 7621, { SANDBOX_UNAUTHORIZED_RATE: "1" })
      yield* startConnector(env, log)
      const answer = yield* eventually(
        get(`${base}/health`).pipe(Effect.map((a) => a.status === 503), Effect.orElseSucceed(() => false)),
        "a 503 from /health"
      ).pipe(Effect.zipRight(get(`${base}/health`)), explain(log))
      const body = jsonOf(answer)
      assert.strictEqual(body["status"], "error")
      assert.strictEqual(body["endpoint_identity"], "probe-2")
      assert.strictEqual(body["last_submission_at"], null)
    }))

  it.scoped("a bad CONNECTOR_HTTP_PORT, or one that is taken, fails the start with one line naming it", () =>
    Effect.gen(function*() {
      const { env } = yield* setup("probe-3", 7622, {})
      const bad = yield* CliInProcess.run(["connector", "sandbox"], { ...env, CONNECTOR_HTTP_PORT: "70000" })
      assert.strictEqual(bad.exitCode, 1)
      assert.include(bad.stderr, `CONNECTOR_HTTP_PORT must be a port number from 1 to 65535 (got "70000")`)
      yield* holdPort(7622)
      const taken = yield* CliInProcess.run(["connector", "sandbox"], env)
      assert.strictEqual(taken.exitCode, 1)
      assert.strictEqual(
        taken.stderr,
        "switchboard: ConnectorStartFailed: CONNECTOR_HTTP_PORT: cannot serve the probe on 127.0.0.1:7622: the address is " +
          "already in use (EADDRINUSE); choose another CONNECTOR_HTTP_PORT or stop what holds it"
      )
    }))

  it.scoped("a connector hosted by the hub opens no probe", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "probe-hosted-" })
      const cursor = `${dir}/sandbox.json`
      yield* Layer.build(HostedConnectors.layer).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({
        SWITCHBOARD_CONNECTORS: "sandbox",
        CONNECTOR_ENDPOINT_IDENTITY: "probe-hosted",
        CONNECTOR_CURSOR_STORE: "file",
        CONNECTOR_CURSOR_PATH: cursor,
        CONNECTOR_POLL_INTERVAL_S: "0.1",
        CONNECTOR_HEARTBEAT_ENABLED: "false",
        CONNECTOR_HTTP_PORT: "7623",
        SANDBOX_RATE_PER_S: "200",
        SANDBOX_TOTAL: "10"
      })))))
      yield* eventually(Effect.map(checkpointNext(cursor), (n) => Option.getOrElse(n, () => -1) === 10), "the checkpoint at 10")
      const refused = yield* Effect.flip(get("http://127.0.0.1:7623/health"))
      assert.strictEqual(refused._tag, "ProbeUnreachable")
    }))
})
