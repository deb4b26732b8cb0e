/**
 * `npm run bench:cluster` (issue 15): the hub as 1, 2 and 3 cluster runners on one fresh Postgres database.
 * (1) Aggregate ingest throughput behind a round-robin of the runners' ports (load.ts), for
 * IngestBatch and single Ingest over /rpc, with the CPU each envelope cost the hubs and the Postgres
 * backends (like bench:ingest); the baseline, in the same run, is as many hubs without SWITCHBOARD_CLUSTER
 * (they share the database for ingest as they could before: the unique dedupe index). (2) Fail-over: three runners hosting a sandbox connector; `kills` times,
 * kill -9 the runner holding `connector:sandbox:alpha` and time until another runner's /ready lists it
 * (a replacement runner joins after each kill). Prints tables and writes bench-results/cluster.json.
 *
 *   npm run bench:cluster                      # 15 s per phase, 10 kills, the hub's lock settings
 *   npm run bench:cluster -- --quick           # 4 s per phase, 3 kills
 *   npm run bench:cluster -- --lock-refresh 1 --lock-expiry 4
 * Runner ports 47200–47299; the database is sb_bench_cluster_*, dropped at the end.
 */
import { Command as Cli, Options } from "@effect/cli"
import { Command, FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Console, DateTime, Duration, Effect, Layer, Option, Redacted, Ref, Schema } from "effect"
import * as Os from "node:os"
import * as Path from "node:path"
import type { Mode } from "./Answers.js"
import * as BenchDatabase from "./BenchDatabase.js"
import * as BackendCpu from "./BackendCpu.js"
import * as ClusterRunners from "./ClusterRunners.js"
import { LoadResult } from "./LoadStats.js"
import * as Processes from "./Processes.js"

const root = Path.resolve(import.meta.dirname, "../..")
const SINGLETON = "connector:sandbox:alpha"
const SETTLE = Duration.seconds(4)

const options = {
  quick: Options.boolean("quick").pipe(
    Options.withDescription("a short run: 4 s per phase after 1 s warm-up, 3 kills (each unless given)")
  ),
  duration: Options.integer("duration").pipe(Options.optional, Options.withDescription("seconds of measured load per phase (15)")),
  warmup: Options.integer("warmup").pipe(Options.optional, Options.withDescription("seconds of unmeasured load before each phase (3)")),
  concurrency: Options.integer("concurrency").pipe(Options.withDefault(64), Options.withDescription("requests in flight, over all runners")),
  batch: Options.integer("batch").pipe(Options.withDefault(100), Options.withDescription("envelopes per IngestBatch call")),
  kills: Options.integer("kills").pipe(Options.optional, Options.withDescription("kill -9 fail-overs to time (10)")),
  poolSize: Options.integer("pool-size").pipe(Options.withDefault(16), Options.withDescription("database pool of each runner")),
  lockRefresh: Options.float("lock-refresh").pipe(Options.optional, Options.withDescription("SWITCHBOARD_CLUSTER_LOCK_REFRESH_S (default: the hub's)")),
  lockExpiry: Options.float("lock-expiry").pipe(Options.optional, Options.withDescription("SWITCHBOARD_CLUSTER_LOCK_EXPIRY_S (default: the hub's)")),
  pgUrl: Options.text("pg-url").pipe(
    Options.withDefault(process.env["BENCH_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"),
    Options.withDescription("admin URL of the local Postgres; the bench creates and drops its own database (BENCH_PG_URL)")
  ),
  out: Options.text("out").pipe(Options.withDefault("bench-results/cluster.json"), Options.withDescription("where the JSON report goes"))
}

const runLoad = (urls: ReadonlyArray<string>, mode: Mode, token: Redacted.Redacted<string>, concurrency: number, durationS: number, batch: number) =>
  Command.string(
    Command.make(
      process.execPath,
      ...["--import", "tsx", Path.join(root, "scripts/bench/load.ts")],
      ...["--url", urls.join(","), "--mode", mode, "--concurrency", String(concurrency), "--duration", String(durationS), "--batch", String(batch)]
    ).pipe(Command.workingDirectory(root), Command.env({ BENCH_TOKEN: Redacted.value(token) }), Command.stderr("inherit"))
  ).pipe(
    Effect.flatMap((out) => Schema.decode(Schema.parseJson(LoadResult))(out.trim().split("\n").pop() ?? "")),
    Effect.mapError((e) => new Processes.BenchFailed({ message: `cluster load (${mode}): ${e.message}` }))
  )

export interface ThroughputRow {
  readonly hubs: number
  /** SWITCHBOARD_CLUSTER=true (runners), or the baseline: plain hubs on the same database. */
  readonly clustered: boolean
  readonly mode: Mode
  readonly envelopes_per_s: number
  readonly requests_per_s: number
  readonly p50_ms: number
  readonly p99_ms: number
  readonly hubs_cpu_ms_per_envelope: number | null
  readonly postgres_cpu_ms_per_envelope: number | null
  readonly rows: number
  readonly rows_match: boolean
  readonly errors: Record<string, number>
}

const perEnvelope = (cpuS: number, envelopes: number) => (envelopes === 0 ? null : Math.round((1e6 * cpuS) / envelopes) / 1000)

const summary = (ms: ReadonlyArray<number>) => {
  const sorted = [...ms].sort((a, b) => a - b)
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0
  return { n: sorted.length, min: sorted[0] ?? 0, median: at(50), p90: at(90), max: sorted.at(-1) ?? 0, all: sorted }
}

const pad = (rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)))
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "))
}

const bench = Cli.make("bench-cluster", options, (o) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const duration = Option.getOrElse(o.duration, () => (o.quick ? 4 : 15))
    const warmup = Option.getOrElse(o.warmup, () => (o.quick ? 1 : 3))
    const kills = Option.getOrElse(o.kills, () => (o.quick ? 3 : 10))
    if (duration < 1 || warmup < 0 || kills < 1 || o.concurrency < 1 || o.batch < 1 || o.batch > 1000 || o.poolSize < 1) {
      return yield* new Processes.BenchFailed({
        message: "--duration, --kills, --concurrency, --pool-size must be >= 1, --warmup >= 0, --batch 1 to 1000"
      })
    }
    const logDir = Path.join(Path.resolve(Path.dirname(o.out)), "logs", "cluster")
    yield* fs.makeDirectory(logDir, { recursive: true })
    const locks = { refreshS: o.lockRefresh, expiryS: o.lockExpiry }
    const lockText = `lock refresh ${Option.getOrElse(Option.map(o.lockRefresh, (s) => `${s} s`), () => "hub default")}, ` +
      `expiry ${Option.getOrElse(Option.map(o.lockExpiry, (s) => `${s} s`), () => "hub default")}`
    const startedAt = DateTime.formatIso(yield* DateTime.now)
    yield* Console.log(`cluster bench: ${duration} s per phase after ${warmup} s warm-up, concurrency ${o.concurrency}, ` +
      `batch ${o.batch}, pool ${o.poolSize} per runner, ${kills} kills, ${lockText}; ${Os.cpus().length} CPUs, load ${Os.loadavg().map((n) => n.toFixed(2)).join(" ")}`)
    const db = yield* BenchDatabase.acquire(o.pgUrl, "sb_bench_cluster")
    const token = yield* Processes.createToken(db)
    const runnerOptions = { db, poolSize: o.poolSize, logDir, locks }
    // Every runner gets a port never used before in this run (a dead runner's address stays registered a while).
    const runnerPorts = ClusterRunners.ports(47200, 47299)

    const topology = (n: number, clustered: boolean) =>
      Effect.scoped(Effect.gen(function*() {
        const names = Array.from({ length: n }, (_, i) => `${clustered ? "load" : "plain"}-${n}-${i + 1}`)
        const env = clustered ? {} : { SWITCHBOARD_CLUSTER: "false" }
        const runners = yield* ClusterRunners.startAll({ ...runnerOptions, env }, names, runnerPorts)
        const urls = runners.map((r) => r.url)
        return yield* Effect.forEach(["rpc-batch", "rpc"] as const, (mode) =>
          Effect.gen(function*() {
            if (warmup > 0) yield* runLoad(urls, mode, token.secret, o.concurrency, warmup, o.batch)
            yield* BenchDatabase.truncateInbox(db)
            const cpu = Effect.map(Effect.forEach(runners, (r) => Processes.cpuSeconds(r.pid)), (xs) =>
              xs.reduce((sum, x) => sum + Option.getOrElse(x, () => Number.NaN), 0))
            const hubsBefore = yield* cpu
            const dbBefore = yield* BackendCpu.snapshot(db.url)
            const result = yield* runLoad(urls, mode, token.secret, o.concurrency, duration, o.batch)
            const hubsCpu = (yield* cpu) - hubsBefore
            const dbCpu = BackendCpu.between(dbBefore, yield* BackendCpu.snapshot(db.url))
            const rows = yield* BenchDatabase.inboxRows(db)
            const row: ThroughputRow = {
              hubs: n,
              clustered,
              mode,
              envelopes_per_s: result.envelopes_per_s,
              requests_per_s: result.requests_per_s,
              p50_ms: result.latency_ms.p50,
              p99_ms: result.latency_ms.p99,
              hubs_cpu_ms_per_envelope: Number.isNaN(hubsCpu) ? null : perEnvelope(hubsCpu, result.envelopes),
              postgres_cpu_ms_per_envelope: perEnvelope(dbCpu, result.envelopes),
              rows,
              rows_match: rows === result.inserted && result.dedupe_mismatches === 0,
              errors: result.errors
            }
            yield* Console.log(`${n} ${clustered ? "runner(s)" : "plain hub(s)"} ${mode}: ${row.envelopes_per_s} envelopes/s, p99 ${row.p99_ms} ms, ` +
              `hubs ${row.hubs_cpu_ms_per_envelope ?? "?"} + Postgres ${row.postgres_cpu_ms_per_envelope ?? "?"} CPU ms/envelope`)
            return row
          }))
      }))
    const throughput = (yield* Effect.forEach([1, 2, 3], (n) => Effect.forEach([false, true], (clustered) => topology(n, clustered)))).flat(2)

    const failOver = Effect.scoped(Effect.gen(function*() {
      const env = {
        SWITCHBOARD_CONNECTORS: "sandbox:a",
        SANDBOX_A_CONNECTOR_ENDPOINT_IDENTITY: "alpha",
        SANDBOX_RATE_PER_S: "20",
        CONNECTOR_POLL_INTERVAL_S: "0.5",
        CONNECTOR_HEARTBEAT_ENABLED: "false"
      }
      const started = yield* Ref.make(0)
      const next = Effect.flatMap(Ref.updateAndGet(started, (n) => n + 1), (n) => ClusterRunners.start({ ...runnerOptions, env }, `failover-${n}`, runnerPorts))
      const live = yield* Ref.make<ReadonlyArray<ClusterRunners.Runner>>(yield* Effect.all([next, next, next]))
      return yield* Effect.forEach(Array.from({ length: kills }, (_, k) => k + 1), (k) =>
        Effect.gen(function*() {
          yield* ClusterRunners.settled(yield* Ref.get(live), SINGLETON, SETTLE, "3 minutes")
          const runners = yield* Ref.get(live)
          const holder = (yield* ClusterRunners.holders(runners, SINGLETON))[0]!
          const rest = runners.filter((r) => r.pid !== holder.pid)
          const since = Date.now()
          yield* ClusterRunners.kill9(holder)
          const ms = yield* ClusterRunners.reappears(rest, SINGLETON, since, "3 minutes")
          yield* Console.log(`kill ${k}/${kills}: ${holder.name} killed, ${SINGLETON} back after ${ms} ms`)
          yield* Ref.set(live, [...rest, yield* next])
          return ms
        }))
    }))
    const failOvers = summary(yield* failOver)

    yield* Console.log(["", ...pad([
      ["hubs", "cluster", "mode", "envelopes/s", "requests/s", "p50 ms", "p99 ms", "hubs CPU ms/env", "Postgres CPU ms/env", "rows ok", "errors"],
      ...throughput.map((r) => [
        String(r.hubs), r.clustered ? "yes" : "no (baseline)", r.mode === "rpc" ? "Ingest" : `IngestBatch x${o.batch}`, r.envelopes_per_s.toFixed(1), r.requests_per_s.toFixed(1),
        r.p50_ms.toFixed(2), r.p99_ms.toFixed(2), r.hubs_cpu_ms_per_envelope?.toFixed(3) ?? "-", r.postgres_cpu_ms_per_envelope?.toFixed(3) ?? "-",
        r.rows_match ? "yes" : `NO (${r.rows})`, Object.entries(r.errors).map(([k, n]) => `${k}: ${n}`).join(", ") || "0"
      ])
    ]), "", ...pad([
      ["fail-over (kill -9 → listed on another runner)", "kills", "min s", "median s", "p90 s", "max s"],
      [lockText, String(failOvers.n), ...[failOvers.min, failOvers.median, failOvers.p90, failOvers.max].map((ms) => (ms / 1000).toFixed(2))]
    ])].join("\n"))
    const report = {
      bench: "cluster",
      started_at: startedAt,
      command: `npm run bench:cluster -- ${process.argv.slice(2).join(" ")}`.trim(),
      machine: { cpus: Os.cpus().length, node: process.version, load_average_after: Os.loadavg() },
      database: { kind: db.kind, where: db.where },
      settings: { duration_s: duration, warmup_s: warmup, concurrency: o.concurrency, batch: o.batch, pool_size: o.poolSize, kills, locks: lockText },
      throughput,
      fail_over_ms: failOvers
    }
    yield* fs.writeFileString(o.out, `${JSON.stringify(report, null, 2)}\n`)
    yield* Console.log(`results written to ${o.out}`)
  }).pipe(Effect.scoped))

Cli.run(bench, { name: "bench-cluster", version: "0.1.0" })(process.argv).pipe(
  Effect.catchIf(
    (e) => e instanceof Processes.BenchFailed || e instanceof BenchDatabase.BenchDatabaseError,
    (e) => Console.error(`bench failed: ${e.message}`).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = 1))))
  ),
  Effect.provide(Layer.mergeAll(NodeContext.layer, NodeHttpClient.layerUndici)),
  NodeRuntime.runMain
)
