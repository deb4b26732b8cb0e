/**
 * The load generator of `npm run bench:cluster`: load.ts's closed loop (the same Workload, answers and
 * result line), but over several hubs at once, each request going to the next hub in turn (a round-robin
 * of their ports, as a plain load balancer would). One keep-alive undici Pool per hub; the bearer token
 * comes from BENCH_TOKEN.
 *
 *   tsx scripts/bench/cluster-load.ts --urls http://127.0.0.1:7400,http://127.0.0.1:7401 --mode rpc-batch --duration 20
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
  urls: Options.text("urls").pipe(Options.withDescription("comma-separated base URLs of the hubs, taken in turn")),
  mode: Options.choice("mode", Answers.Mode.literals).pipe(
    Options.withDescription("rest: POST /api/ingest; rpc: Ingest over /rpc; rpc-batch: IngestBatch over /rpc")
  ),
  concurrency: Options.integer("concurrency").pipe(Options.withDefault(64), Options.withDescription("workers, over all hubs")),
  duration: Options.integer("duration").pipe(Options.withDefault(20), Options.withDescription("seconds of load")),
  batch: Options.integer("batch").pipe(Options.withDefault(100), Options.withDescription("envelopes per IngestBatch"))
}

const load = Command.make("cluster-load", options, (o) =>
  Effect.gen(function*() {
    const token = yield* Config.redacted("BENCH_TOKEN")
    const authorization = `Bearer ${Redacted.value(token)}`
    const urls = o.urls.split(",").map((u) => u.trim()).filter((u) => u !== "")
    const perHub = Math.max(1, Math.ceil(o.concurrency / urls.length))
    const pools = yield* Effect.acquireRelease(
      Effect.sync(() => urls.map((url) => new Pool(url, { connections: perHub, pipelining: 1, keepAliveTimeout: 60_000 }))),
      (ps) => Effect.promise(() => Promise.all(ps.map((p) => p.close())))
    )
    const workload = new Workload(o.mode, randomBytes(6).toString("hex"), o.batch)
    const stats = new Accumulator()
    let turn = 0
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

Command.run(load, { name: "bench-cluster-load", version: "0.1.0" })(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
