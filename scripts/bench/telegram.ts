/**
 * `npm run bench:telegram` (issue 3): N updates (default 20,000) from the fake Bot API through the real
 * connector process (`scripts/switchboard connector telegram`, the build: dist/connector.js) into the
 * real hub on a fresh Postgres database, measured end to end (updates/s until the last one is in
 * message_inbox), counted from the connector's spawn and from its first getUpdates. Baseline in the
 * same run: the same updates, normalized by the same code, posted straight to the hub's
 * POST /api/ingest/batch (100 per request, 8 in flight): the hub's own ceiling for this workload.
 *
 *   npm run bench:telegram                 # 20,000 updates
 *   BENCH_UPDATES=2000 npm run bench:telegram   # smoke run
 *   BENCH_PROFILE_DIR=bench-results/profiles/telegram npm run bench:telegram   # the connector under node --cpu-prof
 */
import { FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Config, Console, type Duration, Effect, Either, Layer, Option, Redacted, Schedule } from "effect"
import * as Child from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import pg from "pg"
import { normalize } from "../../src/connectors/telegram/Normalize.js"
import type { Update } from "../../services/TelegramApi.js"
import { FakeTelegramServer, textUpdate } from "../../test/support/FakeTelegram.js"
import * as BenchDatabase from "./BenchDatabase.js"
import * as Processes from "./Processes.js"

const ENDPOINT = "support_bot" // the scope of Processes.createToken
const BOT_TOKEN = "9000001:bench-bot-token"
const root = Path.resolve(import.meta.dirname, "../..")
const switchboard = Path.join(root, "scripts/switchboard")

/**
 * The connector process: `scripts/switchboard connector telegram`; under a profile, what the launcher
 * execs for it (node dist/connector.js, current since the bench ran the launcher once) with the profiler on.
 */
const connectorCommand = (profileDir: Option.Option<string>): [string, ReadonlyArray<string>] =>
  Option.match(profileDir, {
    onNone: () => [switchboard, ["connector", "telegram"]],
    onSome: (dir) => [process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, Path.join(root, "dist/connector.js"), "connector", "telegram"]]
  })

const count = (db: BenchDatabase.BenchDatabase, from: number, to: number) =>
  Effect.tryPromise({
    try: async () => {
      const client = new pg.Client({ connectionString: db.url })
      await client.connect()
      try {
        const r = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM message_inbox WHERE external_event_id::bigint BETWEEN $1 AND $2",
          [from, to]
        )
        return r.rows[0]?.n ?? 0
      } finally {
        await client.end()
      }
    },
    catch: (e) => new Processes.BenchFailed({ message: `count rows: ${String(e)}` })
  })

const poll = (every: Duration.DurationInput): Schedule.Schedule<number, number> => Schedule.spaced(every)

const { rate, seconds } = Processes

const program = Effect.gen(function*() {
  const n = yield* Config.integer("BENCH_UPDATES").pipe(Config.withDefault(20_000))
  const profileDir = yield* Config.option(Config.string("BENCH_PROFILE_DIR"))
  const maxInflight = yield* Config.integer("CONNECTOR_MAX_INFLIGHT").pipe(Config.withDefault(8))
  const pgUrl = yield* Config.string("BENCH_PG_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres"))
  const fs = yield* FileSystem.FileSystem
  const outDir = Path.resolve(root, "bench-results")
  yield* fs.makeDirectory(Path.join(outDir, "logs"), { recursive: true })
  yield* Console.log(`telegram bench: ${n} updates, CONNECTOR_MAX_INFLIGHT ${maxInflight}; load average ${Os.loadavg().map((l) => l.toFixed(2)).join(" ")}`)

  // The launcher rebuilds a stale build here, not inside the measured connector start.
  yield* Effect.try({
    try: () => Child.execFileSync(switchboard, ["--version"], { stdio: "ignore" }),
    catch: (e) => new Processes.BenchFailed({ message: `scripts/switchboard --version: ${String(e)}` })
  })
  const db = yield* BenchDatabase.acquire(pgUrl, "sb_startup")
  const token = yield* Processes.createToken(db)
  const hub = yield* Processes.startHub({
    db,
    poolSize: 16,
    logFile: Path.join(outDir, "logs", "telegram-hub.log"),
    profileDir: undefined
  })

  // baseline first (ids 1e6+), so the connector run does not share the database with it
  const baselineUpdates = Array.from({ length: n }, (_, i) => textUpdate(1_000_000 + i) as Update)
  const directMs = yield* Processes.postBatches(
    hub.url,
    Redacted.value(token.secret),
    baselineUpdates.map((u) => Either.getOrThrow(normalize(ENDPOINT, u)))
  )
  const directRows = yield* count(db, 1_000_000, 1_000_000 + n - 1)

  const fake = new FakeTelegramServer(BOT_TOKEN)
  yield* Effect.acquireRelease(Effect.promise(() => fake.listen()), () => Effect.promise(() => fake.close()))
  fake.push(...Array.from({ length: n }, (_, i) => textUpdate(i + 1)))
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-bench-telegram-"))),
    (d) => Effect.sync(() => Fs.rmSync(d, { recursive: true, force: true }))
  )
  const logFile = Path.join(outDir, "logs", "telegram-connector.log")
  const log = Fs.openSync(logFile, "w")
  const [file, args] = connectorCommand(profileDir)
  const started = performance.now()
  const child = yield* Effect.acquireRelease(
    Effect.sync(() =>
      Child.spawn(file, args, {
        env: {
          ...process.env,
          SWITCHBOARD_URL: hub.url,
          SWITCHBOARD_API_TOKEN: Redacted.value(token.secret),
          SWITCHBOARD_LOG_LEVEL: "Warn",
          CONNECTOR_MAX_INFLIGHT: String(maxInflight),
          CONNECTOR_ENDPOINT_IDENTITY: ENDPOINT,
          CONNECTOR_CURSOR_PATH: Path.join(dir, "cursor.json"),
          CONNECTOR_BLOB_STORE_DIR: Path.join(dir, "blobs"),
          BUTLER_TELEGRAM_TOKEN: BOT_TOKEN,
          TELEGRAM_API_BASE_URL: fake.url
        },
        stdio: ["ignore", log, log]
      })
    ),
    (c) => Effect.sync(() => c.kill("SIGTERM"))
  )
  const firstRow = yield* count(db, 1, n).pipe(
    Effect.repeat({ schedule: Schedule.passthrough(poll("20 millis")), until: (rows) => rows > 0 }),
    Effect.map((rows) => ({ rows, at: performance.now() }))
  )
  const rows = yield* count(db, 1, n).pipe(
    Effect.repeat({
      schedule: Schedule.passthrough(poll("100 millis")),
      until: (r) => r >= n || child.exitCode !== null
    }),
    Effect.timeoutFail({ duration: "15 minutes", onTimeout: () => new Processes.BenchFailed({ message: "connector too slow" }) })
  )
  const finished = performance.now()
  const endToEndMs = finished - started
  const steadyMs = finished - firstRow.at
  // from the connector's first getUpdates: the pipeline without the process start-up
  const runningMs = finished - (fake.firstCallAt.get("getUpdates") ?? started)
  const cpu = yield* Processes.cpuSeconds(child.pid ?? 0)

  const table = [
    ["path", "updates", "rows", "seconds", "updates/s"],
    ["baseline: same envelopes, POST /api/ingest/batch x100, 8 in flight", String(n), String(directRows), String(seconds(directMs)), String(rate(n, directMs))],
    ["connector end to end (process start → last row)", String(n), String(rows), String(seconds(endToEndMs)), String(rate(n, endToEndMs))],
    ["connector end to end (first getUpdates → last row)", String(n), String(rows), String(seconds(runningMs)), String(rate(n, runningMs))],
    ["connector steady state (first row → last row)", String(n - firstRow.rows), String(rows - firstRow.rows), String(seconds(steadyMs)), String(rate(n - firstRow.rows, steadyMs))]
  ]
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)))
  yield* Console.log(table.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")).join("\n"))
  yield* Console.log(
    `getUpdates calls: ${fake.calls.get("getUpdates") ?? 0}; connector CPU: ${Option.getOrElse(Option.map(cpu, String), () => "?")} s; ` +
      `target >= 2000 updates/s end to end: from first getUpdates ${rate(n, runningMs) >= 2000 ? "met" : "NOT met"}, ` +
      `from process start ${rate(n, endToEndMs) >= 2000 ? "met" : "NOT met"}; ` +
      `ratio connector/baseline: ${(rate(n, endToEndMs) / rate(n, directMs)).toFixed(2)}; ` +
      `load average ${Os.loadavg().map((l) => l.toFixed(2)).join(" ")}`
  )
  if (rows !== n) return yield* new Processes.BenchFailed({ message: `only ${rows} of ${n} updates reached the inbox` })
})

program.pipe(
  Effect.scoped,
  Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)),
  NodeRuntime.runMain
)
