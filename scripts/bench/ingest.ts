/**
 * `npm run bench:ingest` (issue 2): the hub's ingest against a bare node:http + pg baseline, in one
 * run on one fresh Postgres database. Per phase: start the server (the real hub, or
 * baseline-server.ts), warm it up, truncate message_inbox, load it from a separate process
 * (load.ts), count the rows, stop it. Prints a table and writes bench-results/ingest.json.
 *
 *   npm run bench:ingest                          # 20 s per phase, concurrency 64
 *   BENCH_DURATION_S=3 npm run bench:ingest       # smoke run (or: npm run bench:ingest -- --duration 3)
 *   BENCH_PROFILE_DIR=bench-results/profiles npm run bench:ingest   # servers under node --cpu-prof
 *   BENCH_HUB_DIR=/path/to/other/checkout npm run bench:ingest      # measure another checkout's hub
 * Stage costs without HTTP: scripts/bench/ingest-stages.ts; profiles: scripts/bench/profile-summary.ts.
 */
import { Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Config, Console, DateTime, Effect, Layer, Option, Schema } from "effect"
import * as Os from "node:os"
import * as Path from "node:path"
import * as BenchDatabase from "./BenchDatabase.js"
import * as CpuOfBackends from "./BackendCpu.js"
import * as Processes from "./Processes.js"
import { type Phase, PhaseId, type PhaseResult, phases, ratios, table } from "./Report.js"

const fromEnv = <A>(option: Options.Options<A>, config: Config.Config<A>) =>
  option.pipe(Options.withFallbackConfig(config))

const options = {
  duration: fromEnv(Options.integer("duration"), Config.integer("BENCH_DURATION_S").pipe(Config.withDefault(20)))
    .pipe(Options.withDescription("seconds of measured load per phase (BENCH_DURATION_S, default 20)")),
  warmup: fromEnv(Options.integer("warmup"), Config.integer("BENCH_WARMUP_S").pipe(Config.withDefault(3)))
    .pipe(Options.withDescription("seconds of unmeasured load before each phase (BENCH_WARMUP_S, default 3)")),
  concurrency: fromEnv(Options.integer("concurrency"), Config.integer("BENCH_CONCURRENCY").pipe(Config.withDefault(64)))
    .pipe(Options.withDescription("requests in flight (BENCH_CONCURRENCY, default 64)")),
  batch: fromEnv(Options.integer("batch"), Config.integer("BENCH_BATCH").pipe(Config.withDefault(100)))
    .pipe(Options.withDescription("envelopes per IngestBatch call (BENCH_BATCH, default 100)")),
  phases: fromEnv(Options.text("phases"), Config.string("BENCH_PHASES").pipe(Config.withDefault("d,a,b,c")))
    .pipe(Options.withDescription("phases to run, in this order (BENCH_PHASES, default d,a,b,c)")),
  poolSize: fromEnv(Options.integer("pool-size"), Config.integer("SWITCHBOARD_DB_POOL_SIZE").pipe(Config.withDefault(16)))
    .pipe(Options.withDescription("database pool of the hub and of the baseline (SWITCHBOARD_DB_POOL_SIZE, 16)")),
  pgUrl: fromEnv(
    Options.text("pg-url"),
    Config.string("BENCH_PG_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres"))
  ).pipe(Options.withDescription("admin URL of the local Postgres; the bench creates and drops its own database")),
  profileDir: fromEnv(Options.text("profile-dir"), Config.string("BENCH_PROFILE_DIR")).pipe(
    Options.optional,
    Options.withDescription("run the servers under node --cpu-prof, into <dir>/<start time>/<phase> (BENCH_PROFILE_DIR)")
  ),
  out: Options.text("out").pipe(Options.withDefault("bench-results/ingest.json"))
}

const parsePhases = (spec: string) =>
  Effect.forEach(spec.split(",").map((s) => s.trim()).filter((s) => s !== ""), (id) =>
    Schema.decodeUnknown(PhaseId)(id).pipe(
      Effect.map((p) => phases[p]),
      Effect.mapError(() => new Processes.BenchFailed({ message: `unknown phase "${id}" (use a, b, c, d)` }))
    ))

const backendCpu = CpuOfBackends.snapshot

const loadAvg = () => Os.loadavg().map((n) => Math.round(n * 100) / 100)

const bench = Command.make("bench-ingest", options, (o) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const outDir = Path.resolve(Path.dirname(o.out))
    const logDir = Path.join(outDir, "logs")
    yield* fs.makeDirectory(logDir, { recursive: true })
    const selected = yield* parsePhases(o.phases)
    const startedAt = DateTime.formatIso(yield* DateTime.now)
    const loadBefore = loadAvg()
    yield* Console.log(
      `ingest bench: ${o.duration} s per phase after ${o.warmup} s warm-up, concurrency ${o.concurrency}, ` +
        `batch ${o.batch}, pool ${o.poolSize}, phases ${selected.map((p) => p.id).join(",")}; load average ${
          loadBefore.join(" ")
        }`
    )
    const db = yield* BenchDatabase.acquire(o.pgUrl)
    const token = yield* Processes.createToken(db)

    const runPhase = (phase: Phase) =>
      Effect.scoped(Effect.gen(function*() {
        const profileDir = Option.map(o.profileDir, (d) => Path.resolve(d, startedAt.replace(/[:.]/g, "-"), phase.id))
        if (Option.isSome(profileDir)) yield* fs.makeDirectory(profileDir.value, { recursive: true })
        const serverOptions = {
          db,
          poolSize: o.poolSize,
          logFile: Path.join(logDir, `${phase.id}-${phase.server}.log`),
          profileDir: Option.getOrUndefined(profileDir)
        }
        const server = yield* (phase.server === "hub"
          ? Processes.startHub(serverOptions)
          : Processes.startBaseline(serverOptions))
        const load = (durationS: number) =>
          Processes.runLoad({ url: server.url, mode: phase.mode, token: token.secret, concurrency: o.concurrency, durationS, batch: o.batch })
        if (o.warmup > 0) yield* load(o.warmup)
        yield* BenchDatabase.truncateInbox(db)
        if (Option.isSome(profileDir)) {
          // The server exits right after the measured load, so the load is the end of its profile.
          yield* Console.log(
            `profile of ${phase.id}: tsx scripts/bench/profile-summary.ts ${profileDir.value} --last-s ${o.duration + 1}`
          )
        }
        const cpuBefore = yield* Processes.cpuSeconds(server.pid)
        const dbBefore = yield* backendCpu(db.url)
        const result = yield* load(o.duration)
        const cpuAfter = yield* Processes.cpuSeconds(server.pid)
        const dbAfter = yield* backendCpu(db.url)
        const dbCpu = CpuOfBackends.between(dbBefore, dbAfter)
        const rows = yield* BenchDatabase.inboxRows(db)
        const cpu = Option.getOrNull(Option.zipWith(cpuAfter, cpuBefore, (a, b) => Math.round((a - b) * 100) / 100))
        const phaseResult: PhaseResult = {
          ...result,
          phase: phase.id,
          label: phase.label,
          rows,
          rows_match: rows === result.inserted,
          server_cpu_s: cpu,
          server_cpu_ms_per_envelope: cpu === null || result.envelopes === 0
            ? null
            : Math.round((1e6 * cpu) / result.envelopes) / 1000,
          database_cpu_ms_per_envelope: result.envelopes === 0 ? null : Math.round((1e6 * dbCpu) / result.envelopes) / 1000
        }
        yield* Console.log(
          `${phase.label}: ${result.envelopes_per_s} envelopes/s, p50 ${result.latency_ms.p50} ms, ` +
            `p99 ${result.latency_ms.p99} ms, ${rows} rows, server CPU ${cpu ?? "?"} s`
        )
        return phaseResult
      }))

    const results = yield* Effect.forEach(selected, runPhase)
    const sorted = [...results].sort((x, y) => x.phase.localeCompare(y.phase))
    const loadAfter = loadAvg()
    yield* Console.log(["", ...table(sorted), "", `load average before ${loadBefore.join(" ")}, after ${loadAfter.join(" ")}`].join("\n"))
    const report = {
      bench: "ingest",
      started_at: startedAt,
      command: `npm run bench:ingest -- --duration ${o.duration} --warmup ${o.warmup} --concurrency ${o.concurrency} --batch ${o.batch}`,
      machine: { cpus: Os.cpus().length, node: process.version, load_average_before: loadBefore, load_average_after: loadAfter },
      database: { kind: db.kind, where: db.where },
      hub_dir: process.env["BENCH_HUB_DIR"] ?? ".",
      settings: { duration_s: o.duration, warmup_s: o.warmup, concurrency: o.concurrency, batch: o.batch, pool_size: o.poolSize },
      phases: sorted,
      ratios: ratios(sorted)
    }
    yield* fs.writeFileString(o.out, `${JSON.stringify(report, null, 2)}\n`)
    yield* Console.log(`results written to ${o.out}`)
  }).pipe(Effect.scoped))

Command.run(bench, { name: "bench-ingest", version: "0.1.0" })(process.argv).pipe(
  Effect.catchIf(
    (e) => e instanceof Processes.BenchFailed || e instanceof BenchDatabase.BenchDatabaseError,
    (e) => Console.error(`bench failed: ${e.message}`).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = 1))))
  ),
  Effect.provide(Layer.mergeAll(NodeContext.layer, NodeHttpClient.layerUndici)),
  NodeRuntime.runMain
)
