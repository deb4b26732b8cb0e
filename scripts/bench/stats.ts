/**
 * `npm run bench:stats [-- --connectors 1000 --days 7 --requests 200]`: statistics at scale (issue 4).
 * On a fresh database of the local Postgres: generated history of N connectors heartbeating every
 * 120 s for D days (1000 × 7 ≈ 5 M log rows), then
 *   - the dashboard routes over the RAW log only (baseline: no rollup has run yet),
 *   - the 7-day catch-up (every hour, day and fanout day),
 *   - one hour and one day rolled up again (idempotent upsert of a full bucket),
 *   - p50/p99 of every dashboard route over the rollups (sequential requests on a real socket).
 * The hub's clock is frozen at a fixed instant, so runs are comparable and independent of today.
 */
import { HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Clock, Console, Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import { createServer } from "node:http"
import { cpus, loadavg } from "node:os"
import * as Migrations from "../../layers/Database/Migrations.js"
import * as PgDatabase from "../../layers/Database/PgDatabase.js"
import * as Live from "../../layers/Live.js"
import * as HttpHub from "../../src/http/Server.js"
import { rollupKinds } from "../../src/domain/StatsBuckets.js"
import { DAY_MS, HOUR_MS, truncDay, truncHour } from "../../src/stats/Buckets.js"
import * as GenerateHistory from "../../src/stats/GenerateHistory.js"
import { Rollups } from "../../services/Rollups.js"
import { TokenStore } from "../../services/TokenStore.js"
import * as BenchDatabase from "./BenchDatabase.js"

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : fallback
}
const CONNECTORS = arg("connectors", 1000)
const DAYS = arg("days", 7)
const REQUESTS = arg("requests", 200)
const BASELINE_REQUESTS = arg("baseline-requests", 5)
const NOW = Date.parse("2026-11-22T10:30:00Z")

/** A clock frozen at NOW for "what time is it" (real sleeps, so timeouts still work). */
const real = Clock.make()
const frozen: Clock.Clock = {
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => NOW,
  currentTimeMillis: Effect.succeed(NOW),
  unsafeCurrentTimeNanos: () => BigInt(NOW) * 1_000_000n,
  currentTimeNanos: Effect.succeed(BigInt(NOW) * 1_000_000n),
  sleep: (d) => real.sleep(d)
}

const elapsed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const value = yield* effect
    return { value, ms: performance.now() - start }
  })

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`)

const timeRequests = (url: string, token: string, n: number) =>
  Effect.gen(function*() {
    const times: Array<number> = []
    for (let i = 0; i < n; i++) {
      const { ms, value } = yield* elapsed(Effect.tryPromise(async () => {
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
        await res.arrayBuffer()
        return res.status
      }))
      if (value !== 200) return yield* Effect.dieMessage(`${url} answered ${value}`)
      times.push(ms)
    }
    times.sort((a, b) => a - b)
    return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), n }
  })

const routes = (identity: string) => [
  "/api/connectors",
  "/api/connectors/summary?period=24h",
  "/api/connectors/summary?period=7d",
  "/api/connectors/summary?period=30d",
  "/api/connectors/fanout?period=7d",
  "/api/connectors/fanout?period=30d",
  "/api/connectors/errors?limit=50",
  `/api/connectors/${identity}`,
  `/api/connectors/${identity}/stats?period=24h`,
  `/api/connectors/${identity}/stats?period=7d`,
  `/api/connectors/${identity}/stats?period=30d`
]

const bench = (db: BenchDatabase.BenchDatabase) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rollups = yield* Rollups
    const server = yield* HttpServer.HttpServer
    const base = server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : ""
    const created = yield* (yield* TokenStore).create({
      env: "bench", channel: "*", provider: "*", endpoint_identity: "*", role: "admin", label: null, expires_at: null, replaces: null
    }).pipe(Effect.orDie)
    const token = Redacted.value(created.secret)
    yield* Console.log(`history: ${CONNECTORS} connectors x ${DAYS} days, heartbeat every 120 s, ending ${new Date(NOW).toISOString()}`)
    const gen = yield* elapsed(GenerateHistory.generate({
      connectors: CONNECTORS, days: DAYS, end: new Date(NOW), messagesPerDay: 20
    }))
    yield* sql`ANALYZE`
    yield* Console.log(`generated ${gen.value.heartbeats} heartbeats, ${gen.value.inboxMessages} inbox messages in ${fmt(gen.ms)}`)

    const rows: Array<{ what: string; baseline: string; value: string }> = []
    const identity = "email/email-1"
    const baseline = new Map<string, { p50: number; p99: number }>()
    for (const r of routes(identity)) baseline.set(r, yield* timeRequests(`${base}${r}`, token, BASELINE_REQUESTS))

    const catchUp = yield* elapsed(Effect.forEach(rollupKinds, (k) => rollups.catchUp(k)))
    const buckets = catchUp.value.map((r) => r.length).join(" + ")
    const hourTimes: Array<number> = []
    for (let i = 1; i <= 5; i++) hourTimes.push((yield* elapsed(rollups.rollup("hourly", new Date(truncHour(NOW) - i * HOUR_MS)))).ms)
    const dayTimes: Array<number> = []
    for (let i = 1; i <= 3; i++) dayTimes.push((yield* elapsed(rollups.rollup("daily", new Date(truncDay(NOW) - i * DAY_MS)))).ms)
    const fanoutDay = yield* elapsed(rollups.rollup("fanout", new Date(truncDay(NOW) - DAY_MS)))
    hourTimes.sort((a, b) => a - b)
    dayTimes.sort((a, b) => a - b)
    rows.push({ what: `${DAYS}-day catch-up (${buckets} hourly + daily + fanout buckets)`, baseline: "", value: fmt(catchUp.ms) })
    rows.push({ what: "roll up one hour (median / max of 5)", baseline: "", value: `${fmt(quantile(hourTimes, 0.5))} / ${fmt(hourTimes[4]!)}` })
    rows.push({ what: "roll up one day (median / max of 3)", baseline: "", value: `${fmt(quantile(dayTimes, 0.5))} / ${fmt(dayTimes[2]!)}` })
    rows.push({ what: "roll up one fanout day", baseline: "", value: fmt(fanoutDay.ms) })
    yield* sql`ANALYZE`
    // The machine's floor: a route that touches no table, measured the same way in the same run.
    const floor = yield* timeRequests(`${base}/health`, token, REQUESTS)
    rows.push({ what: "GET /health (floor: no database)", baseline: "", value: `p50 ${fmt(floor.p50)}, p99 ${fmt(floor.p99)}` })
    for (const r of routes(identity)) {
      const t = yield* timeRequests(`${base}${r}`, token, REQUESTS)
      const b = baseline.get(r)!
      rows.push({
        what: `GET ${r.replace(identity, "{type}/{identity}")}`,
        baseline: `p50 ${fmt(b.p50)}, p99 ${fmt(b.p99)}`,
        value: `p50 ${fmt(t.p50)}, p99 ${fmt(t.p99)}`
      })
    }
    const width = Math.max(...rows.map((r) => r.what.length))
    const bw = Math.max(...rows.map((r) => r.baseline.length), "raw log only (no rollups)".length)
    yield* Console.log(`\ndatabase: ${db.where}; ${REQUESTS} sequential requests per route (baseline ${BASELINE_REQUESTS})`)
    yield* Console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(" ")} (${cpus().length} cores)`)
    yield* Console.log(`${"measure".padEnd(width)}  ${"raw log only (no rollups)".padEnd(bw)}  with rollups`)
    for (const r of rows) yield* Console.log(`${r.what.padEnd(width)}  ${r.baseline.padEnd(bw)}  ${r.value}`)
  })

const program = Effect.gen(function*() {
  const db = yield* BenchDatabase.acquire(process.env["SWITCHBOARD_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres")
  const database = Layer.provideMerge(Migrations.layer, PgDatabase.layer(Redacted.make(db.url), { ...PgDatabase.defaults, poolSize: 8 }))
  const config = { host: "127.0.0.1", port: 0, dataDir: ".switchboard-bench", maxInflight: 2048, devToken: false, logLevel: LogLevel.Warning }
  const hub = HttpHub.serve(HttpHub.Routes, { host: "127.0.0.1", port: 0 }).pipe(
    Layer.provideMerge(Live.appLayer(config, database))
  )
  yield* bench(db).pipe(Effect.provide(hub), Effect.withClock(frozen))
}).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))

NodeRuntime.runMain(program)
