/**
 * Counters at their bound, heartbeat after heartbeat, through the real REST route, the rollups and the
 * dashboard API on real Postgres: no heartbeat is ever refused by the database, and every sum the hub
 * answers saturates at 2^53 − 1 instead of overflowing bigint or losing precision.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { type HeartbeatInput, MAX_COUNTER, MAX_SUM } from "../../src/domain/Heartbeat.js"
import { ConnectorDetailResponse, ConnectorListResponse, ConnectorStatsResponse, SummaryResponse } from "../../src/domain/StatsApi.js"
import { Rollups } from "../../services/Rollups.js"
import { postJson } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import { getAs } from "../stats/support/Api.js"
import * as FrozenClock from "../stats/support/FrozenClock.js"

const NOW = Date.parse("2026-11-22T10:30:00Z")
const HOUR = 3_600_000
/** The second test runs a day later, clear of the first one's buckets. */
const LATER = NOW + 24 * HOUR
const clock = FrozenClock.make(NOW)
const Hub = TestHub.layer.pipe(Layer.provide(clock.layer))

const BIGINT_MAX = "9223372036854775807"

const instance = (n: number) => `0190f5a4-0000-7000-8000-${n.toString(16).padStart(12, "0")}`

/** Every counter at the bound, from a new instance: a restart, so each heartbeat adds MAX_COUNTER to every sum. */
const saturating = (identity: string, n: number, state: "healthy" | "error" = "healthy"): HeartbeatInput => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: "sandbox", endpoint_identity: identity, instance_id: instance(n) },
  status: { state, error_message: null, uptime_s: 1 },
  counters: {
    messages_ingested: MAX_COUNTER,
    messages_failed: MAX_COUNTER,
    source_api_calls: MAX_COUNTER,
    checkpoint_saves: MAX_COUNTER,
    dedupe_accepted: MAX_COUNTER
  },
  sent_at: new Date(clock.clock.unsafeCurrentTimeMillis()).toISOString()
})

const sendAll = (hub: TestHub.TestHubInfo, identity: string, from: number, count: number) =>
  Effect.forEach(
    Array.from({ length: count }, (_, i) => from + i),
    (n) => postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, saturating(identity, n, n % 7 === 0 ? "error" : "healthy")),
    { concurrency: 4 }
  ).pipe(Effect.map((answers) => answers.map((a) => a.status)))

const column = (query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<{ readonly v: string }>, unknown>) =>
  Effect.flatMap(SqlClient.SqlClient, query).pipe(Effect.map((rows) => rows.map((r) => r.v)), Effect.orDie)

layer(Hub, { excludeTestServices: true, timeout: 180_000 })("counter sums at the bound", (it) => {
  it.effect("1,100 heartbeats with every counter at 10^15 are all accepted; live sums, rollups and the dashboard saturate at 2^53 − 1", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const rollups = yield* Rollups
      const auth = hub.token
      clock.set(NOW)
      const first = yield* sendAll(hub, "overflow-a", 0, 1000)
      assert.deepStrictEqual([...new Set(first)], [202])
      clock.set(NOW + HOUR)
      const second = [...(yield* sendAll(hub, "overflow-a", 1000, 80)), ...(yield* sendAll(hub, "overflow-b", 2000, 20))]
      assert.deepStrictEqual([...new Set(second)], [202])

      const live = yield* column((sql) =>
        sql`SELECT live_day_ingested::text AS v FROM connector_registry WHERE endpoint_identity LIKE 'overflow-%'
          UNION ALL SELECT live_hour_failed::text FROM connector_registry WHERE endpoint_identity LIKE 'overflow-%'`)
      assert.deepStrictEqual(live, Array(4).fill(String(MAX_SUM)))

      yield* rollups.rollup("hourly", new Date(NOW))
      yield* rollups.rollup("daily", new Date(NOW))
      const rolled = yield* column((sql) =>
        sql`SELECT messages_ingested::text AS v FROM connector_stats_hourly WHERE endpoint_identity = 'overflow-a'
          UNION ALL SELECT source_api_calls::text FROM connector_stats_hourly WHERE endpoint_identity = 'overflow-a'
          UNION ALL SELECT messages_failed::text FROM connector_stats_daily WHERE endpoint_identity LIKE 'overflow-%'`)
      assert.deepStrictEqual(rolled, Array(4).fill(String(MAX_SUM)))

      const detail = yield* getAs(ConnectorDetailResponse, `${hub.url}/api/connectors/sandbox/overflow-a`, auth)
      assert.strictEqual(detail.data.today.messages_ingested, MAX_SUM)
      assert.strictEqual(detail.data.counters.messages_ingested, MAX_COUNTER)
      const list = yield* getAs(ConnectorListResponse, `${hub.url}/api/connectors`, auth)
      assert.deepStrictEqual(list.data.map((c) => c.today.messages_failed), [MAX_SUM, MAX_SUM])

      // 10:00 comes from the hourly rollup, 11:00 from the live accumulators: each saturated, and so is their sum.
      const stats = yield* getAs(ConnectorStatsResponse, `${hub.url}/api/connectors/sandbox/overflow-a/stats?period=24h`, auth)
      const points = stats.data.timeseries.filter((p) => p.messages_ingested > 0)
      assert.deepStrictEqual(points.map((p) => [p.bucket, p.messages_ingested]), [
        ["2026-11-22T10:00:00.000Z", MAX_SUM],
        ["2026-11-22T11:00:00.000Z", MAX_SUM]
      ])
      assert.strictEqual(stats.data.summary.messages_ingested, MAX_SUM)
      assert.strictEqual(stats.data.summary.error_rate_pct, 50)
      const month = yield* getAs(ConnectorStatsResponse, `${hub.url}/api/connectors/sandbox/overflow-a/stats?period=30d`, auth)
      assert.strictEqual(month.data.timeseries.at(-1)?.messages_ingested, MAX_SUM)

      const summary = yield* getAs(SummaryResponse, `${hub.url}/api/connectors/summary?period=7d`, auth)
      assert.deepStrictEqual(summary.data.by_connector.map((c) => c.messages_ingested), [MAX_SUM, MAX_SUM])
      assert.strictEqual(summary.data.total_messages_ingested, MAX_SUM)
      assert.strictEqual(summary.data.total_messages_failed, MAX_SUM)
      assert.strictEqual(summary.data.overall_error_rate_pct, 50)
    }))

  it.effect("sums already stored at bigint's maximum (left by unbounded counters) break neither a heartbeat, a rollup nor the dashboard", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const sql = yield* SqlClient.SqlClient
      const rollups = yield* Rollups
      clock.set(LATER)
      const send = (n: number) => postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, saturating("crafted", n))
      assert.strictEqual((yield* send(5000)).status, 202)
      yield* sql`UPDATE connector_registry SET live_hour_ingested = ${BIGINT_MAX}::bigint, live_day_ingested = ${BIGINT_MAX}::bigint,
        live_hour_failed = ${BIGINT_MAX}::bigint, live_day_failed = ${BIGINT_MAX}::bigint WHERE endpoint_identity = 'crafted'`
      // Two logged heartbeats of the previous hour whose deltas each hold bigint's maximum.
      yield* sql`INSERT INTO connector_heartbeat_log (connector_type, endpoint_identity, instance_id, state, uptime_s,
          counter_messages_ingested, counter_messages_failed, counter_source_api_calls, counter_checkpoint_saves, counter_dedupe_accepted,
          delta_messages_ingested, delta_messages_failed, delta_source_api_calls, delta_checkpoint_saves, delta_dedupe_accepted,
          sent_at, received_at)
        SELECT 'sandbox', 'crafted', ${instance(5000)}::uuid, 'healthy', 1, m, m, m, m, m, m, m, m, m, m, t, t
        FROM (SELECT ${BIGINT_MAX}::bigint AS m) c, (VALUES (${new Date(LATER - HOUR)}::timestamptz),
          (${new Date(LATER - HOUR + 60_000)}::timestamptz)) AS r(t)`

      assert.strictEqual((yield* send(5001)).status, 202, "a heartbeat onto sums at bigint's maximum")
      const hourly = yield* rollups.rollup("hourly", new Date(LATER - HOUR))
      assert.strictEqual(hourly.rows, 1)
      yield* rollups.rollup("daily", new Date(LATER))
      const rolled = yield* column((s) =>
        s`SELECT messages_ingested::text AS v FROM connector_stats_hourly WHERE endpoint_identity = 'crafted'
          UNION ALL SELECT dedupe_accepted::text FROM connector_stats_daily WHERE endpoint_identity = 'crafted'`)
      assert.deepStrictEqual(rolled, [String(MAX_SUM), String(MAX_SUM)])

      const detail = yield* getAs(ConnectorDetailResponse, `${hub.url}/api/connectors/sandbox/crafted`, hub.token)
      assert.strictEqual(detail.data.today.messages_ingested, MAX_SUM)
      const stats = yield* getAs(ConnectorStatsResponse, `${hub.url}/api/connectors/sandbox/crafted/stats`, hub.token)
      assert.strictEqual(stats.data.summary.messages_ingested, MAX_SUM)
      for (const p of stats.data.timeseries) assert.isAtMost(p.messages_ingested, MAX_SUM)
    }))
})
