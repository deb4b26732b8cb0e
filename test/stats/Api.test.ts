import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import {
  ConnectorDetailResponse,
  ConnectorListResponse,
  ConnectorStatsResponse,
  ErrorsResponse,
  FanoutResponse,
  SummaryResponse
} from "../../src/domain/StatsApi.js"
import { DAY_MS, HOUR_MS } from "../../src/stats/Buckets.js"
import * as GenerateHistory from "../../src/stats/GenerateHistory.js"
import { field } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import { get, getAs } from "./support/Api.js"
import * as FrozenClock from "./support/FrozenClock.js"

/** "Now" for the whole suite: mid-hour, so the current hour is partly in the raw log only. */
const NOW = Date.parse("2026-11-22T10:30:00Z")
const clock = FrozenClock.make(NOW)

const Hub = Layer.effectDiscard(
  SqlClient.SqlClient.pipe(Effect.flatMap(() =>
    GenerateHistory.generate({
      connectors: 10,
      days: 3,
      end: new Date(NOW),
      rollups: true,
      messagesPerDay: 4,
      neverSeen: 1
    })
  ))
).pipe(Layer.provideMerge(TestHub.layer), Layer.provide(clock.layer))

/** Ground truth straight from the raw log: summed deltas and heartbeat states over [from, to). */
const truth = (from: number, to: number, connector?: readonly [string, string]) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ ingested: string | null; failed: string | null; beats: string; healthy: string }>`
      SELECT sum(delta_messages_ingested) AS ingested, sum(delta_messages_failed) AS failed, count(*) AS beats,
        count(*) FILTER (WHERE state = 'healthy') AS healthy
      FROM connector_heartbeat_log WHERE received_at >= ${new Date(from)} AND received_at < ${new Date(to)}
      ${connector === undefined ? sql`` : sql`AND connector_type = ${connector[0]} AND endpoint_identity = ${connector[1]}`}`
    const r = rows[0]!
    return { ingested: Number(r.ingested ?? 0), failed: Number(r.failed ?? 0), beats: Number(r.beats), healthy: Number(r.healthy) }
  }).pipe(Effect.orDie)

const TODAY = Date.parse("2026-11-22T00:00:00Z")

layer(Hub, { excludeTestServices: true, timeout: 120_000 })("dashboard API over generated history", (it) => {
  it.effect("lists every connector with liveness derived from the last heartbeat and today's numbers", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const list = yield* getAs(ConnectorListResponse, `${hub.url}/api/connectors`, hub.token)
      assert.strictEqual(list.data.length, 11)
      assert.strictEqual(list.meta.generated_at, new Date(NOW).toISOString())
      const by = (identity: string) => list.data.find((c) => c.endpoint_identity === identity)!
      assert.strictEqual(by("telegram-0").liveness, "online")
      assert.strictEqual(by("telegram-9").liveness, "stale")
      assert.strictEqual(by("sandbox-8").liveness, "offline")
      assert.strictEqual(by("never-seen-1").liveness, "unknown")
      assert.strictEqual(by("never-seen-1").state, null)
      for (const c of list.data.filter((c) => c.liveness !== "unknown")) {
        const t = yield* truth(TODAY, NOW + 1, [c.connector_type, c.endpoint_identity])
        assert.strictEqual(c.today.messages_ingested, t.ingested, c.endpoint_identity)
        assert.strictEqual(c.today.messages_failed, t.failed, c.endpoint_identity)
        assert.strictEqual(c.today.uptime_pct, Math.round((t.healthy / t.beats) * 10_000) / 100)
      }
    }))

  it.effect("stats sum the log exactly over 24h (hourly, current hour live), 7d and 30d (daily)", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const connector = ["email", "email-1"] as const
      for (const [period, buckets, from] of [
        ["24h", 24, Date.parse("2026-11-21T11:00:00Z")],
        ["7d", 168, Date.parse("2026-11-15T11:00:00Z")],
        ["30d", 30, Date.parse("2026-10-24T00:00:00Z")]
      ] as const) {
        const res = yield* getAs(
          ConnectorStatsResponse,
          `${hub.url}/api/connectors/email/email-1/stats?period=${period}`,
          hub.token
        )
        assert.strictEqual(res.data.timeseries.length, buckets)
        assert.strictEqual(res.data.timeseries[0]!.bucket, new Date(from).toISOString())
        assert.strictEqual(res.meta.granularity, period === "30d" ? "day" : "hour")
        const t = yield* truth(from, NOW + 1, connector)
        const sum = res.data.timeseries.reduce((n, p) => n + p.messages_ingested, 0)
        assert.strictEqual(sum, t.ingested)
        assert.strictEqual(res.data.summary.messages_ingested, t.ingested)
        assert.strictEqual(res.data.summary.messages_failed, t.failed)
        assert.strictEqual(
          res.data.timeseries.reduce((n, p) => n + p.healthy_count + p.degraded_count + p.error_count, 0),
          t.beats
        )
      }
      const day = yield* getAs(ConnectorStatsResponse, `${hub.url}/api/connectors/email/email-1/stats`, hub.token)
      const current = day.data.timeseries[23]!
      assert.strictEqual(current.bucket, "2026-11-22T10:00:00.000Z")
      const live = yield* truth(NOW - 30 * 60_000, NOW + 1, connector)
      assert.strictEqual(current.messages_ingested, live.ingested)
      assert.isAbove(current.messages_ingested, 0)
    }))

  it.effect("summary totals equal the per-connector rows and count liveness", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const res = yield* getAs(SummaryResponse, `${hub.url}/api/connectors/summary?period=7d`, hub.token)
      assert.strictEqual(res.data.total_connectors, 11)
      assert.strictEqual(res.data.connectors_online, 8)
      assert.strictEqual(res.data.connectors_stale, 1)
      assert.strictEqual(res.data.connectors_offline, 1)
      const t = yield* truth(NOW - 8 * DAY_MS, NOW + 1)
      assert.strictEqual(res.data.total_messages_ingested, t.ingested)
      assert.strictEqual(res.data.by_connector.reduce((n, c) => n + c.messages_ingested, 0), t.ingested)
      assert.strictEqual(res.data.overall_error_rate_pct, Math.round((t.failed / (t.ingested + t.failed)) * 10_000) / 100)
    }))

  it.effect("fanout counts delivered outcomes per connector and target over complete days", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const sql = yield* SqlClient.SqlClient
      const res = yield* getAs(FanoutResponse, `${hub.url}/api/connectors/fanout?period=7d`, hub.token)
      const expected = yield* sql<{ channel: string; endpoint: string; target: string; n: string }>`
        SELECT source_channel AS channel, source_endpoint_identity AS endpoint, o->>'target' AS target, count(*) AS n
        FROM message_inbox, jsonb_array_elements(dispatch_outcomes) o
        WHERE o->>'status' = 'delivered' AND (o->>'delivered_at')::timestamptz < ${new Date(TODAY)}
        GROUP BY 1, 2, 3`
      assert.isAbove(expected.length, 0)
      for (const e of expected) {
        const row = res.data.find((r) => r.connector_type === e.channel && r.endpoint_identity === e.endpoint)
        assert.strictEqual(row?.targets[e.target], Number(e.n), `${e.endpoint} → ${e.target}`)
      }
      assert.strictEqual(res.data.reduce((n, r) => n + Object.keys(r.targets).length, 0), expected.length)
    }))

  it.effect("detail, errors and the error answers: 404, 400, 403, 401", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const detail = yield* getAs(ConnectorDetailResponse, `${hub.url}/api/connectors/sandbox/sandbox-2`, hub.token)
      assert.strictEqual(detail.data.registered_via, "self")
      assert.isTrue(detail.data.counters.messages_ingested > 0)
      assert.isNotNull(detail.data.checkpoint)
      const errors = yield* getAs(ErrorsResponse, `${hub.url}/api/connectors/errors?limit=5`, hub.token)
      assert.strictEqual(errors.data.length, 5)
      assert.isTrue(errors.data.every((e) => e.state !== "healthy"))
      assert.deepStrictEqual(errors.data.map((e) => e.received_at), errors.data.map((e) => e.received_at).sort().reverse())

      const missing = yield* get(`${hub.url}/api/connectors/sandbox/nobody`, hub.token)
      assert.strictEqual(missing.status, 404)
      assert.match(String(field(missing.body, "message")), /sandbox\/nobody/)
      const missingStats = yield* get(`${hub.url}/api/connectors/sandbox/nobody/stats`, hub.token)
      assert.strictEqual(missingStats.status, 404)
      const badPeriod = yield* get(`${hub.url}/api/connectors/summary?period=1y`, hub.token)
      assert.strictEqual(badPeriod.status, 400)
      assert.match(String(field(badPeriod.body, "message")), /period must be one of 24h, 7d, 30d/)
      const badFanout = yield* get(`${hub.url}/api/connectors/fanout?period=24h`, hub.token)
      assert.strictEqual(badFanout.status, 400)
      const badLimit = yield* get(`${hub.url}/api/connectors/errors?limit=0`, hub.token)
      assert.strictEqual(badLimit.status, 400)
      const ingestOnly = yield* hub.mintToken({ role: "ingest" })
      const forbidden = yield* get(`${hub.url}/api/connectors`, ingestOnly.token)
      assert.strictEqual(forbidden.status, 403)
      const reader = yield* hub.mintToken({ role: "read" })
      assert.strictEqual((yield* get(`${hub.url}/api/connectors`, reader.token)).status, 200)
      assert.strictEqual((yield* get(`${hub.url}/api/connectors`, undefined)).status, 401)
    }))

  it.effect("history spans several day partitions of the heartbeat log", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const parts = yield* sql<{ name: string; n: string }>`
        SELECT tableoid::regclass::text AS name, count(*) AS n FROM connector_heartbeat_log GROUP BY 1 ORDER BY 1`
      assert.deepStrictEqual(parts.map((p) => p.name), [
        "connector_heartbeat_log_p20261119",
        "connector_heartbeat_log_p20261120",
        "connector_heartbeat_log_p20261121",
        "connector_heartbeat_log_p20261122"
      ])
      assert.isTrue(parts.every((p) => Number(p.n) > 0))
      assert.strictEqual(HOUR_MS * 24, DAY_MS)
    }))
})
