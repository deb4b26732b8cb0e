/**
 * `npm run bench:delivery` (issue 5): the cost of routing inside the ingest statement, and how fast
 * the delivery worker drains the outbox. In one run, each phase on a fresh database:
 *   - ingest without routing (no targets: the plain inbox INSERT) vs with routing (every request
 *     fans out to 2 targets: inbox + 2 outbox rows in one statement), in-process through the Ingest
 *     use case (no HTTP, so the database cost is not diluted), batches and single accepts, rounds in
 *     alternating order;
 *   - then the delivery worker drains the routed outbox to 2 local receivers (another process):
 *     deliveries/s and drain time, and the receivers count duplicates.
 * Prints a table and writes bench-results/delivery.json.
 *
 *   npm run bench:delivery                                  # 50,000 requests, 4 rounds
 *   BENCH_REQUESTS=5000 BENCH_ROUNDS=1 npm run bench:delivery   # smoke run
 */
import { NodeRuntime } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Clock, Config, Console, type Context, Duration, Effect, Exit, Layer, Redacted, Schedule, Scope } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Migrations from "../../layers/Database/Migrations.js"
import * as PgDatabase from "../../layers/Database/PgDatabase.js"
import * as DeliveryLive from "../../layers/Delivery/DeliveryLive.js"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import * as IngestLive from "../../layers/Ingest/IngestLive.js"
import * as PgConnectorCheckpoints from "../../layers/ConnectorCheckpoints/PgConnectorCheckpoints.js"
import * as PgInboxStore from "../../layers/InboxStore/PgInboxStore.js"
import * as DeliveryConfig from "../../src/delivery/DeliveryConfig.js"
import * as Signature from "../../src/delivery/Signature.js"
import type { IngestEnvelopeInput } from "../../src/domain/Envelope.js"
import type { Principal } from "../../src/domain/Principal.js"
import { Ingest } from "../../services/Ingest.js"
import { Router } from "../../services/Router.js"
import { RoutingStore } from "../../services/RoutingStore.js"
import * as BenchDatabase from "./BenchDatabase.js"
import * as DeliveryCpu from "./DeliveryCpu.js"
import * as Receivers from "./DeliveryReceiversProcess.js"
import * as Report from "./DeliveryReport.js"
import * as PgSourceCounts from "../../layers/SourceCounts/PgSourceCounts.js"

const settings = Config.all({
  requests: Config.integer("BENCH_REQUESTS").pipe(Config.withDefault(50_000)),
  singles: Config.integer("BENCH_SINGLE_REQUESTS").pipe(Config.withDefault(5_000)),
  rounds: Config.integer("BENCH_ROUNDS").pipe(Config.withDefault(4)),
  batch: Config.integer("BENCH_BATCH").pipe(Config.withDefault(100)),
  batchConcurrency: Config.integer("BENCH_BATCH_CONCURRENCY").pipe(Config.withDefault(8)),
  singleConcurrency: Config.integer("BENCH_CONCURRENCY").pipe(Config.withDefault(32)),
  workerConcurrency: Config.integer("SWITCHBOARD_DELIVERY_CONCURRENCY").pipe(Config.withDefault(64)),
  poolSize: Config.integer("SWITCHBOARD_DB_POOL_SIZE").pipe(Config.withDefault(16)),
  pgUrl: Config.string("BENCH_PG_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres")),
  out: Config.string("BENCH_OUT").pipe(Config.withDefault("bench-results/delivery.json"))
})
type Settings = typeof settings extends Config.Config<infer A> ? A : never

const principal: Principal = { token_id: "bench", channel: "*", provider: "*", endpoint_identity: "*", role: "admin", tenant: "default" }

/** Distinct events over 1,000 threads and 50 senders; a seventh of the texts mention an invoice. */
const envelopes = (prefix: string, n: number): ReadonlyArray<IngestEnvelopeInput> =>
  Array.from({ length: n }, (_, i) => ({
    schema_version: "ingest.v1",
    source: { channel: "sandbox", provider: "sandbox", endpoint_identity: "bench-1" },
    event: { external_event_id: `${prefix}-${i}`, external_thread_id: `thread-${i % 1000}`, observed_at: "2026-11-20T10:00:00Z" },
    sender: { identity: `user-${i % 50}` },
    payload: { raw: { i, prefix }, normalized_text: `message ${i} ${i % 7 === 0 ? "about the invoice" : "hello there"}` }
  }))

const chunks = <A>(items: ReadonlyArray<A>, size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const value = yield* effect
    return { value, seconds: ((yield* Clock.currentTimeMillis) - start) / 1000 }
  })

/** The ingest use case with its router and inbox store over a migrated database (no HTTP, no other features). */
const appLayer = (db: BenchDatabase.BenchDatabase, s: Settings) =>
  IngestLive.layer({ ...IngestLive.defaults, maxInflight: 1_000_000 }).pipe(
    Layer.provideMerge(DeliveryLive.RouterLive),
    Layer.provideMerge(PgInboxStore.layer),
    Layer.provideMerge(PgConnectorCheckpoints.layer),
    Layer.provideMerge(PgSourceCounts.layer),
    Layer.provideMerge(
      Layer.provideMerge(Migrations.layer, PgDatabase.layer(Redacted.make(db.url), { ...PgDatabase.defaults, poolSize: s.poolSize }))
    )
  )

type AppServices = Layer.Layer.Success<ReturnType<typeof appLayer>>

/** Two targets, every request to both; a regex rule that never matches is evaluated too. */
const configureRouting = (urls: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const store = yield* RoutingStore
    const rule = { priority: 100, channel: null, provider: null, endpoint_identity: null, sender_identity: null, text_pattern: null, ignore_case: false, stop: false }
    yield* store.addTarget({ name: "rcv-a", url: urls[0]!, secret: Signature.generateSecret() })
    yield* store.addTarget({ name: "rcv-b", url: urls[1]!, secret: Signature.generateSecret() })
    yield* store.addRule({ ...rule, priority: 10, text_pattern: "^refund #\\d+$", ignore_case: true, target: "rcv-b" })
    yield* store.addRule({ ...rule, priority: 20, channel: "sandbox", target: "rcv-a" })
    yield* store.addRule({ ...rule, priority: 30, endpoint_identity: "bench-1", target: "rcv-b" })
    yield* (yield* Router).refresh
  })

const ingestAll = (s: Settings, mode: "batch" | "single", items: ReadonlyArray<IngestEnvelopeInput>) =>
  Effect.flatMap(Ingest, (ingest) =>
    mode === "batch"
      ? Effect.forEach(chunks(items, s.batch), (chunk) => ingest.acceptBatch(chunk, principal), {
        concurrency: s.batchConcurrency,
        discard: true
      })
      : Effect.forEach(items, (e) => ingest.accept(e, principal), { concurrency: s.singleConcurrency, discard: true }))

/** One ingest phase on a fresh database, in its own scope (the caller closes it, or keeps it for the drain). */
const ingestPhase = (s: Settings, round: number, routed: boolean, receiverUrls: ReadonlyArray<string>, scope: Scope.Scope) =>
  Effect.gen(function*() {
    const db = yield* BenchDatabase.acquire(s.pgUrl)
    const context = yield* Layer.build(appLayer(db, s))
    const results = yield* Effect.gen(function*() {
      if (routed) yield* configureRouting(receiverUrls)
      const tag = `${routed ? "r" : "n"}${round}`
      yield* ingestAll(s, "batch", envelopes(`${tag}-warm`, 2_000))
      const results: Array<Report.IngestResult> = []
      for (const mode of ["batch", "single"] as const) {
        const n = mode === "batch" ? s.requests : s.singles
        if (n === 0) continue
        const items = envelopes(`${tag}-${mode}`, n)
        const before = yield* DeliveryCpu.snapshot
        const { seconds } = yield* timed(ingestAll(s, mode, items))
        const cpu = DeliveryCpu.between(before, yield* DeliveryCpu.snapshot)
        const phase = `ingest ${mode === "batch" ? `batch x${s.batch} (c=${s.batchConcurrency})` : `single (c=${s.singleConcurrency})`}, ${
          routed ? "routed to 2 targets" : "no routing"
        }`
        const result: Report.IngestResult = {
          phase,
          round,
          mode,
          routed,
          requests: n,
          seconds,
          per_second: n / seconds,
          node_cpu_ms: (cpu.node * 1000) / n,
          db_cpu_ms: (cpu.database * 1000) / n
        }
        results.push(result)
        yield* Console.log(
          `  round ${round}: ${phase}: ${n} in ${seconds.toFixed(2)} s = ${result.per_second.toFixed(0)}/s; CPU/request ` +
            `${result.node_cpu_ms.toFixed(3)} ms hub + ${result.db_cpu_ms.toFixed(3)} ms Postgres`
        )
      }
      return results
    }).pipe(Effect.provide(context))
    return { results, context }
  }).pipe(Scope.extend(scope))

const pendingRows = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ n: number }>`SELECT count(*)::int AS n FROM delivery_outbox WHERE status = 'pending'`).pipe(
    Effect.map((rows) => rows[0]?.n ?? 0)
  )

const program = Effect.gen(function*() {
  const s = yield* settings
  yield* Console.log(
    `delivery bench: ${s.requests} requests per batch phase, ${s.singles} per single phase, ${s.rounds} round(s); ` +
      `worker concurrency ${s.workerConcurrency}; pool ${s.poolSize}; ${Os.cpus().length} CPUs, load ${
        Os.loadavg().map((n) => n.toFixed(2)).join(" ")
      }`
  )
  const receivers = yield* Receivers.start(2)
  const ingests: Array<Report.IngestResult> = []
  let kept: { readonly scope: Scope.CloseableScope; readonly context: Context.Context<AppServices> } | undefined
  for (let round = 1; round <= s.rounds; round++) {
    for (const routed of round % 2 === 1 ? [false, true] : [true, false]) {
      const scope = yield* Scope.make()
      const { context, results } = yield* ingestPhase(s, round, routed, receivers.urls, scope)
      ingests.push(...results)
      // Keep the last routed database (and its stores) for the drain; close everything else now.
      if (routed) {
        if (kept !== undefined) yield* Scope.close(kept.scope, Exit.void)
        kept = { scope, context }
      } else {
        yield* Scope.close(scope, Exit.void)
      }
    }
  }
  if (kept === undefined) return
  const lastRouted = Layer.succeedContext(kept.context)
  const expected = yield* pendingRows.pipe(Effect.provide(lastRouted))
  const before = yield* receivers.stats
  // The receivers listen on 127.0.0.1: the address guard must allow private targets, as on the embedded database.
  const worker = { ...DeliveryConfig.defaults, concurrency: s.workerConcurrency, pollInterval: Duration.millis(50), allowPrivate: true }
  const cpuBefore = yield* DeliveryCpu.snapshot.pipe(Effect.provide(lastRouted))
  const drain = yield* timed(Effect.scoped(Effect.gen(function*() {
    yield* Layer.build(DeliveryWorker.layerWith(worker).pipe(Layer.provide(lastRouted)))
    yield* pendingRows.pipe(
      Effect.provide(lastRouted),
      Effect.repeat({ schedule: Schedule.spaced(Duration.millis(100)), until: (n) => n === 0 })
    )
  })))
  const cpu = DeliveryCpu.between(cpuBefore, yield* DeliveryCpu.snapshot.pipe(Effect.provide(lastRouted)))
  const after = yield* receivers.stats
  const delivered = after.requests - before.requests
  const duplicates = delivered - (after.unique - before.unique)
  const result: Report.DrainResult = {
    deliveries: expected,
    received: delivered,
    duplicates,
    drain_seconds: drain.seconds,
    per_second: expected / drain.seconds,
    node_cpu_ms: (cpu.node * 1000) / expected,
    db_cpu_ms: (cpu.database * 1000) / expected
  }
  const lines = Report.table({ batch: s.batch, batchConcurrency: s.batchConcurrency, singleConcurrency: s.singleConcurrency }, ingests, result)
  yield* Console.log(lines.join("\n"))
  const out = Path.resolve(s.out)
  Fs.mkdirSync(Path.dirname(out), { recursive: true })
  Fs.writeFileSync(out, JSON.stringify({ settings: s, ingests, drain: result }, null, 2))
  yield* Console.log(`\nwrote ${out}`)
  yield* Scope.close(kept.scope, Exit.void)
})

program.pipe(Effect.scoped, NodeRuntime.runMain)
