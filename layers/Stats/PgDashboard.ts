/** The dashboard read side on Postgres: registry rows with liveness derived at read time, plus windowed statistics. */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option } from "effect"
import type {
  ConnectorDetail,
  ErrorEntry,
  FanoutPeriod,
  FanoutRow,
  Period,
  StatsPoint,
  SummaryItem
} from "../../src/domain/StatsApi.js"
import { MAX_SUM } from "../../src/domain/Heartbeat.js"
import { errorRatePct, uptimePct } from "../../src/stats/Liveness.js"
import { elapsedHours, fanoutWindowOf, windowMeta, windowOf } from "../../src/stats/Period.js"
import {
  type ConnectorKey,
  type ConnectorPage,
  Dashboard,
  DashboardUnavailable,
  type ListPage
} from "../../services/Dashboard.js"
import { StatsConfig } from "../../services/StatsConfig.js"
import * as SqlFailure from "../Database/SqlFailure.js"
import { livenessOf, type RegistryRow, registryColumns, toDetail, toListItem } from "./RegistryRows.js"
import * as Series from "./Series.js"

const keyOf = (r: { readonly connector_type: string; readonly endpoint_identity: string }) =>
  `${r.connector_type}\u0000${r.endpoint_identity}`

const zero: Omit<Series.Aggregate, "connector_type" | "endpoint_identity" | "bucket"> = {
  messages_ingested: 0,
  messages_failed: 0,
  heartbeat_count: 0,
  healthy_count: 0,
  degraded_count: 0,
  error_count: 0
}

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const config = yield* StatsConfig
  const guard = SqlFailure.guard((reason) => new DashboardUnavailable({ message: reason }), "10 seconds")
  const withSql = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => Effect.provideService(effect, SqlClient.SqlClient, sql)

  const registry = (key?: ConnectorKey) =>
    sql<RegistryRow>`SELECT ${sql.literal(registryColumns(key !== undefined))}
      FROM connector_registry ${
      key === undefined
        ? sql``
        : sql`WHERE connector_type = ${key.connector_type} AND endpoint_identity = ${key.endpoint_identity}`
    } ORDER BY connector_type, endpoint_identity`

  // Keyset paging on the primary key: one more row than asked tells whether another page follows.
  const list = (page: ListPage) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* sql<RegistryRow>`SELECT ${sql.literal(registryColumns(false))} FROM connector_registry ${
        page.after === undefined
          ? sql``
          : sql`WHERE (connector_type, endpoint_identity) > (${page.after.connector_type}, ${page.after.endpoint_identity})`
      } ORDER BY connector_type, endpoint_identity LIMIT ${page.limit + 1}`
      const shown = rows.slice(0, page.limit)
      const last = shown.at(-1)
      const result: ConnectorPage = {
        items: shown.map((r) => toListItem(r, now, config)),
        next: rows.length > page.limit && last !== undefined
          ? { connector_type: last.connector_type, endpoint_identity: last.endpoint_identity }
          : null
      }
      return result
    }).pipe(guard)

  const detail = (key: ConnectorKey) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const row = (yield* registry(key))[0]
      if (row === undefined) return Option.none()
      const item: ConnectorDetail = toDetail(row, now, config)
      return Option.some(item)
    }).pipe(guard)

  const totals = (rows: ReadonlyArray<Series.Aggregate>) =>
    rows.reduce(
      (acc, r) => ({
        messages_ingested: Math.min(MAX_SUM, acc.messages_ingested + r.messages_ingested),
        messages_failed: Math.min(MAX_SUM, acc.messages_failed + r.messages_failed),
        heartbeat_count: acc.heartbeat_count + r.heartbeat_count,
        healthy_count: acc.healthy_count + r.healthy_count,
        degraded_count: acc.degraded_count + r.degraded_count,
        error_count: acc.error_count + r.error_count
      }),
      zero
    )

  const stats = (key: ConnectorKey, period: Period) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const row = (yield* registry(key))[0]
      if (row === undefined) return Option.none()
      const w = windowOf(period, now)
      const rows = yield* withSql(Series.aggregate({ ...w, by: "bucket", filter: key, ends: yield* withSql(Series.rolledEnds(now)) }))
      const byBucket = new Map(rows.map((r) => [r.bucket?.getTime() ?? 0, r]))
      const timeseries = w.buckets.map((b): StatsPoint => {
        const r = byBucket.get(b)
        return {
          bucket: new Date(b).toISOString(),
          messages_ingested: r?.messages_ingested ?? 0,
          messages_failed: r?.messages_failed ?? 0,
          healthy_count: r?.healthy_count ?? 0,
          degraded_count: r?.degraded_count ?? 0,
          error_count: r?.error_count ?? 0
        }
      })
      const sum = totals(rows)
      return Option.some({
        data: {
          connector_type: row.connector_type,
          endpoint_identity: row.endpoint_identity,
          period,
          summary: {
            messages_ingested: sum.messages_ingested,
            messages_failed: sum.messages_failed,
            error_rate_pct: errorRatePct(sum.messages_ingested, sum.messages_failed),
            uptime_pct: uptimePct(sum.healthy_count, sum.heartbeat_count),
            avg_messages_per_hour: Math.round((sum.messages_ingested / elapsedHours(w, now)) * 100) / 100
          },
          timeseries
        },
        window: windowMeta(w, now)
      })
    }).pipe(guard)

  const summary = (period: Period) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const w = windowOf(period, now)
      const ends = yield* withSql(Series.rolledEnds(now))
      const [rows, sums] = yield* Effect.all([
        registry(),
        withSql(Series.aggregate({ ...w, by: "connector", ends }))
      ], { concurrency: 2 })
      const byKey = new Map(sums.map((s) => [keyOf(s), s]))
      const items = rows.map((r): SummaryItem => {
        const s = byKey.get(keyOf(r))
        const ingested = s?.messages_ingested ?? 0
        const failed = s?.messages_failed ?? 0
        return {
          connector_type: r.connector_type,
          endpoint_identity: r.endpoint_identity,
          liveness: livenessOf(r, now, config),
          messages_ingested: ingested,
          messages_failed: failed,
          error_rate_pct: errorRatePct(ingested, failed),
          uptime_pct: uptimePct(s?.healthy_count ?? 0, s?.heartbeat_count ?? 0)
        }
      })
      const total = totals(sums)
      const countOf = (l: string) => items.filter((i) => i.liveness === l).length
      return {
        data: {
          period,
          total_connectors: items.length,
          connectors_online: countOf("online"),
          connectors_stale: countOf("stale"),
          connectors_offline: countOf("offline"),
          total_messages_ingested: total.messages_ingested,
          total_messages_failed: total.messages_failed,
          overall_error_rate_pct: errorRatePct(total.messages_ingested, total.messages_failed),
          by_connector: items
        },
        window: windowMeta(w, now)
      }
    }).pipe(guard)

  const fanout = (period: FanoutPeriod) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const w = fanoutWindowOf(period, now)
      const data = yield* sql<FanoutRow>`
        SELECT connector_type, endpoint_identity, json_object_agg(target, n ORDER BY target) AS targets
        FROM (
          SELECT connector_type, endpoint_identity, target, sum(message_count)::float8 AS n FROM connector_fanout_daily
          WHERE day >= ${new Date(w.from)} AND day < ${new Date(w.to)}
          GROUP BY connector_type, endpoint_identity, target
        ) s
        GROUP BY connector_type, endpoint_identity ORDER BY connector_type, endpoint_identity`
      return { data, window: windowMeta(w, now) }
    }).pipe(guard)

  const errors = (limit: number) =>
    sql<{
      connector_type: string
      endpoint_identity: string
      instance_id: string
      state: ErrorEntry["state"]
      error_message: string | null
      received_at: Date
      sent_at: Date
    }>`SELECT connector_type, endpoint_identity, instance_id::text AS instance_id, state, error_message, received_at, sent_at
       FROM connector_heartbeat_log WHERE state <> 'healthy' ORDER BY received_at DESC LIMIT ${limit}`.pipe(
      Effect.map((rows) =>
        rows.map((r): ErrorEntry => ({
          ...r,
          received_at: r.received_at.toISOString(),
          sent_at: r.sent_at.toISOString()
        }))
      ),
      guard
    )

  const livenessCounts = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const online = new Date(now - config.onlineThresholdS * 1000)
    const stale = new Date(now - config.staleThresholdS * 1000)
    const rows = yield* sql<{ unknown: string; online: string; stale: string; offline: string }>`
      SELECT count(*) FILTER (WHERE last_heartbeat_at IS NULL) AS unknown,
        count(*) FILTER (WHERE last_heartbeat_at >= ${online}) AS online,
        count(*) FILTER (WHERE last_heartbeat_at < ${online} AND last_heartbeat_at >= ${stale}) AS stale,
        count(*) FILTER (WHERE last_heartbeat_at < ${stale}) AS offline
      FROM connector_registry`
    const r = rows[0]
    return {
      online: Number(r?.online ?? 0),
      stale: Number(r?.stale ?? 0),
      offline: Number(r?.offline ?? 0),
      unknown: Number(r?.unknown ?? 0)
    }
  }).pipe(guard)

  return Dashboard.of({ list, detail, stats, summary, fanout, errors, livenessCounts })
})

export const layer = Layer.effect(Dashboard, make)
