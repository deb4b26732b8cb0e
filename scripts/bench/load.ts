/**
 * The ingest load generator, run as its own process by scripts/bench/ingest.ts and cluster.ts:
 * `concurrency` closed-loop workers POST for `duration` seconds, then one JSON line
 * (LoadStats.LoadResult) on stdout. The bearer token comes from BENCH_TOKEN. `--url` may list several
 * servers (the hubs of a cluster): each request goes to the next one in turn (a round-robin, as a plain
 * load balancer would), over one keep-alive undici Pool per server.
 *
 *   tsx scripts/bench/load.ts --url http://127.0.0.1:7400 --mode rpc --concurrency 64 --duration 20
 *   tsx scripts/bench/load.ts --url http://127.0.0.1:7400,http://127.0.0.1:7401 --mode rpc-batch
 */
import { Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Clock, Config, Console, Data, Effect, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { Pool } from "undici"
import * as Answers from "./Answers.js"
import { Accumulator } from "./LoadStats.js"
import { type Request, Workload } from "./Workload.js"

class RequestFailed extends Data.TaggedError("RequestFailed")<{ readonly label: string }> {}

const labelOf = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? `network ${cause.code}`
    : "network error"

const send = (pool: Pool, authorization: string, request: Request) =>
  Effect.tryPromise({
    try: async () => {
      const response = await pool.request({
        method: "POST",
        path: request.path,
        headers: { authorization, "content-type": request.contentType },
        body: request.body
      })
      return { status: response.statusCode, body: await response.body.text() }
    },
    catch: (cause) => new RequestFailed({ label: labelOf(cause) })
  })

const options = {
  url: Options.text("url").pipe(Options.withDescription("base URL of the server under load; several, comma-separated, are taken in turn")),
  mode: Options.choice("mode", Answers.Mode.literals).pipe(
    Options.withDescription("rest: POST /api/ingest; rpc: Ingest over /rpc; rpc-batch: IngestBatch over /rpc")
  ),
  concurrency: Options.integer("concurrency").pipe(Options.withDefault(64), Options.withDescription("workers, over all servers")),
  duration: Options.integer("duration").pipe(Options.withDefault(20), Options.withDescription("seconds of load")),
  batch: Options.integer("batch").pipe(Options.withDefault(100), Options.withDescription("envelopes per IngestBatch"))
}

const load = Command.make("load", options, (o) =>
  Effect.gen(function*() {
    const token = yield* Config.redacted("BENCH_TOKEN")
    const authorization = `Bearer ${Redacted.value(token)}`
    const urls = o.url.split(",").map((u) => u.trim()).filter((u) => u !== "")
    const perServer = Math.max(1, Math.ceil(o.concurrency / urls.length))
    const pools = yield* Effect.acquireRelease(
      Effect.sync(() => urls.map((url) => new Pool(url, { connections: perServer, pipelining: 1, keepAliveTimeout: 60_000 }))),
      (ps) => Effect.ignore(Effect.tryPromise({ try: () => Promise.all(ps.map((p) => p.close())), catch: (cause) => new RequestFailed({ label: labelOf(cause) }) }))
    )
    let turn = 0
    const workload = new Workload(o.mode, randomBytes(6).toString("hex"), o.batch)
    const stats = new Accumulator()
    const start = yield* Clock.currentTimeMillis
    const deadline = start + o.duration * 1000

    const one = Effect.gen(function*() {
      const request = workload.next()
      const pool = pools[turn++ % pools.length]!
      const t0 = yield* Clock.currentTimeNanos
      const response = yield* Effect.either(send(pool, authorization, request))
      const ms = Number((yield* Clock.currentTimeNanos) - t0) / 1e6
      if (response._tag === "Left") {
        stats.failed(ms, response.left.label)
        return yield* Effect.sleep("10 millis")
      }
      const answer = Answers.read(o.mode, response.right.status, response.right.body)
      stats.record(ms, answer, request.expectDuplicate)
      if (answer._tag === "Answered") workload.acknowledge(request, answer.items.map((item) => item === false))
    })
    const beforeDeadline = () => Effect.map(Clock.currentTimeMillis, (now) => now < deadline)

    yield* Effect.forEach(
      Array.from({ length: o.concurrency }),
      () => Effect.repeat(one, { while: beforeDeadline }),
      { concurrency: "unbounded", discard: true }
    )
    const elapsedS = ((yield* Clock.currentTimeMillis) - start) / 1000
    yield* Console.log(JSON.stringify(stats.result(o.mode, o.concurrency, elapsedS)))
  }).pipe(Effect.scoped))

Command.run(load, { name: "bench-load", version: "0.1.0" })(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
