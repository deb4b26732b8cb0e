/**
 * Statistics over a window, read from the cheapest complete source for each part of it: daily
 * rows for days already rolled up, hourly rows for hours already rolled up, the registry's live
 * accumulators for the current hour, and the raw heartbeat log for hours in between (normally
 * none, or the previous hour in the minutes before its rollup). So the dashboard is current to the
 * last heartbeat while reading pre-aggregated rows only.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { MAX_SUM } from "../../src/domain/Heartbeat.js"
import { HOUR_MS, DAY_MS } from "../../src/stats/Buckets.js"

/** One source table over [from, to). */
export interface Segment {
  readonly source: "daily" | "hourly" | "log" | "live"
  readonly from: number
  readonly to: number
}

/** Where each source stops being complete. */
export interface RolledEnds {
  /** end (exclusive, ms) of the newest rolled-up hour, or null when none was ever rolled up */
  readonly hourly: number | null
  /** end (exclusive, ms) of the newest rolled-up day, or null */
  readonly daily: number | null
  /** start of the current hour, which the registry's live accumulators hold (null: read it from the log) */
  readonly liveHour: number | null
}

/**
 * Cuts [from, to) into source segments, in order and without overlap (pure). Daily rows serve
 * whole rolled-up days when buckets are days or when only per-connector totals are wanted; hourly
 * rows serve rolled-up hours; the log serves the rest.
 */
export const segments = (
  granularity: "hour" | "day",
  from: number,
  to: number,
  ends: RolledEnds,
  totalsOnly = false
): ReadonlyArray<Segment> => {
  const out: Array<Segment> = []
  const push = (source: Segment["source"], f: number, t: number) => {
    if (f < t) out.push({ source, from: f, to: t })
  }
  const hoursThenLog = (f: number, t: number) => {
    const hourlyEnd = ends.hourly === null ? f : Math.min(t, Math.max(f, ends.hourly))
    push("hourly", f, hourlyEnd)
    if (ends.liveHour === null) return push("log", hourlyEnd, t)
    const liveStart = Math.min(t, Math.max(hourlyEnd, ends.liveHour))
    const liveEnd = Math.min(t, Math.max(liveStart, ends.liveHour + HOUR_MS))
    push("log", hourlyEnd, liveStart)
    push("live", liveStart, liveEnd)
    push("log", liveEnd, t)
  }
  let cursor = from
  if (ends.daily !== null && (granularity === "day" || totalsOnly)) {
    const firstDay = Math.ceil(from / DAY_MS) * DAY_MS
    const dailyEnd = Math.min(to, ends.daily)
    if (firstDay < dailyEnd) {
      hoursThenLog(from, firstDay)
      push("daily", firstDay, dailyEnd)
      cursor = dailyEnd
    }
  }
  hoursThenLog(cursor, to)
  return out
}

/** Summed statistics of one group (a bucket, or a connector). */
export interface Aggregate {
  readonly connector_type: string
  readonly endpoint_identity: string
  readonly bucket: Date | null
  readonly messages_ingested: number
  readonly messages_failed: number
  readonly heartbeat_count: number
  readonly healthy_count: number
  readonly degraded_count: number
  readonly error_count: number
}

interface AggregateRow {
  readonly connector_type: string | null
  readonly endpoint_identity: string | null
  readonly bucket: Date | null
  readonly messages_ingested: string | null
  readonly messages_failed: string | null
  readonly heartbeat_count: string | null
  readonly healthy_count: string | null
  readonly degraded_count: string | null
  readonly error_count: string | null
}

export interface Filter {
  readonly connector_type: string
  readonly endpoint_identity: string
}

/** Where the rollups end, and the current hour (at `now`) for the live accumulators. */
export const rolledEnds = (now: number) => Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly kind: string; readonly last: Date | null }>`
    SELECT kind, max(bucket) AS last FROM stats_rollup_runs WHERE kind IN ('hourly', 'daily') GROUP BY kind`
  const last = (kind: string) => rows.find((r) => r.kind === kind)?.last ?? null
  const hourly = last("hourly")
  const daily = last("daily")
  const ends: RolledEnds = {
    hourly: hourly === null ? null : hourly.getTime() + HOUR_MS,
    daily: daily === null ? null : daily.getTime() + DAY_MS,
    liveHour: Math.floor(now / HOUR_MS) * HOUR_MS
  }
  return ends
})

/**
 * Sums over [from, to), grouped by bucket (`by: "bucket"`, buckets of `granularity`) or by
 * connector (`by: "connector"`), optionally for one connector.
 */
export const aggregate = (options: {
  readonly granularity: "hour" | "day"
  readonly from: number
  readonly to: number
  readonly by: "bucket" | "connector"
  readonly filter?: Filter | undefined
  readonly ends: RolledEnds
}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const parts = segments(options.granularity, options.from, options.to, options.ends, options.by === "connector")
    if (parts.length === 0) return []
    const unit = options.granularity
    const where = (column: string, s: Segment) =>
      sql.and([
        sql`${sql(column)} >= ${new Date(s.from)}`,
        sql`${sql(column)} < ${new Date(s.to)}`,
        ...(options.filter === undefined
          ? []
          : [
            sql`connector_type = ${options.filter.connector_type}`,
            sql`endpoint_identity = ${options.filter.endpoint_identity}`
          ])
      ])
    const select = (s: Segment) => {
      switch (s.source) {
        case "daily":
          return sql`SELECT connector_type, endpoint_identity, day AS bucket, messages_ingested, messages_failed,
            heartbeat_count, healthy_count, degraded_count, error_count FROM connector_stats_daily WHERE ${where("day", s)}`
        case "hourly":
          return sql`SELECT connector_type, endpoint_identity, date_trunc(${unit}, hour, 'UTC') AS bucket, messages_ingested,
            messages_failed, heartbeat_count, healthy_count, degraded_count, error_count
            FROM connector_stats_hourly WHERE ${where("hour", s)}`
        case "live":
          // The accumulators hold exactly one hour, [liveHour, liveHour + 1h): a segment here is that hour.
          return sql`SELECT connector_type, endpoint_identity, date_trunc(${unit}, live_hour, 'UTC') AS bucket,
            live_hour_ingested AS messages_ingested, live_hour_failed AS messages_failed, live_hour_heartbeats AS heartbeat_count,
            live_hour_healthy AS healthy_count, live_hour_degraded AS degraded_count, live_hour_error AS error_count
            FROM connector_registry WHERE ${
            sql.and([
              sql`live_hour = ${new Date(s.from)}`,
              ...(options.filter === undefined
                ? []
                : [
                  sql`connector_type = ${options.filter.connector_type}`,
                  sql`endpoint_identity = ${options.filter.endpoint_identity}`
                ])
            ])
          }`
        case "log":
          return sql`SELECT connector_type, endpoint_identity, date_trunc(${unit}, received_at, 'UTC') AS bucket,
            delta_messages_ingested AS messages_ingested, delta_messages_failed AS messages_failed, 1 AS heartbeat_count,
            CASE WHEN state = 'healthy' THEN 1 ELSE 0 END AS healthy_count,
            CASE WHEN state = 'degraded' THEN 1 ELSE 0 END AS degraded_count,
            CASE WHEN state = 'error' THEN 1 ELSE 0 END AS error_count
            FROM connector_heartbeat_log WHERE ${where("received_at", s)}`
      }
    }
    const union = parts.map(select).reduce((acc, q) => sql`${acc} UNION ALL ${q}`)
    // Each source row is already saturated at MAX_SUM; their numeric sum is saturated again so that every
    // number answered is exact as a double.
    const cap = sql.literal(String(MAX_SUM))
    const sums = sql`LEAST(sum(messages_ingested), ${cap}) AS messages_ingested, LEAST(sum(messages_failed), ${cap}) AS messages_failed,
      sum(heartbeat_count) AS heartbeat_count, sum(healthy_count) AS healthy_count,
      sum(degraded_count) AS degraded_count, sum(error_count) AS error_count`
    const rows = options.by === "bucket"
      ? yield* sql<AggregateRow>`SELECT NULL AS connector_type, NULL AS endpoint_identity, bucket, ${sums}
          FROM (${union}) s GROUP BY bucket ORDER BY bucket`
      : yield* sql<AggregateRow>`SELECT connector_type, endpoint_identity, NULL::timestamptz AS bucket, ${sums}
          FROM (${union}) s GROUP BY connector_type, endpoint_identity`
    return rows.map((r): Aggregate => ({
      connector_type: r.connector_type ?? "",
      endpoint_identity: r.endpoint_identity ?? "",
      bucket: r.bucket,
      messages_ingested: Number(r.messages_ingested ?? 0),
      messages_failed: Number(r.messages_failed ?? 0),
      heartbeat_count: Number(r.heartbeat_count ?? 0),
      healthy_count: Number(r.healthy_count ?? 0),
      degraded_count: Number(r.degraded_count ?? 0),
      error_count: Number(r.error_count ?? 0)
    }))
  })
