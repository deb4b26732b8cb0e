/**
 * The rollup statements. Each is one `INSERT … SELECT … ON CONFLICT DO UPDATE` for one bucket, so
 * re-running a bucket rewrites the same rows; rows are never deleted here (a bucket whose raw
 * heartbeats were pruned keeps its rows). Answers the number of rows upserted.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { MAX_SUM } from "../../src/domain/Heartbeat.js"

/** sum(bigint) is numeric in Postgres: saturated at MAX_SUM before it goes into a bigint column. */
const capped = (sql: SqlClient.SqlClient, column: string) => sql`LEAST(sum(${sql(column)}), ${sql.literal(String(MAX_SUM))})`

const counted = (rows: ReadonlyArray<{ readonly n: string | number }>) => Number(rows[0]?.n ?? 0)

/** connector_stats_hourly for the hour [from, to). */
export const hourly = (from: Date, to: Date) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly n: string }>`
      WITH up AS (
        INSERT INTO connector_stats_hourly (connector_type, endpoint_identity, hour, messages_ingested, messages_failed,
          source_api_calls, dedupe_accepted, heartbeat_count, healthy_count, degraded_count, error_count)
        SELECT connector_type, endpoint_identity, ${from}::timestamptz, ${capped(sql, "delta_messages_ingested")},
          ${capped(sql, "delta_messages_failed")}, ${capped(sql, "delta_source_api_calls")}, ${capped(sql, "delta_dedupe_accepted")}, count(*),
          count(*) FILTER (WHERE state = 'healthy'), count(*) FILTER (WHERE state = 'degraded'),
          count(*) FILTER (WHERE state = 'error')
        FROM connector_heartbeat_log
        WHERE received_at >= ${from} AND received_at < ${to}
        GROUP BY connector_type, endpoint_identity
        ON CONFLICT (connector_type, endpoint_identity, hour) DO UPDATE SET
          messages_ingested = EXCLUDED.messages_ingested, messages_failed = EXCLUDED.messages_failed,
          source_api_calls = EXCLUDED.source_api_calls, dedupe_accepted = EXCLUDED.dedupe_accepted,
          heartbeat_count = EXCLUDED.heartbeat_count, healthy_count = EXCLUDED.healthy_count,
          degraded_count = EXCLUDED.degraded_count, error_count = EXCLUDED.error_count
        RETURNING 1
      ) SELECT count(*) AS n FROM up`.pipe(Effect.map(counted)))

/** connector_stats_daily for the day [from, to), with uptime_pct = healthy / heartbeats × 100. */
export const daily = (from: Date, to: Date) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly n: string }>`
      WITH up AS (
        INSERT INTO connector_stats_daily (connector_type, endpoint_identity, day, messages_ingested, messages_failed,
          source_api_calls, dedupe_accepted, heartbeat_count, healthy_count, degraded_count, error_count, uptime_pct)
        SELECT connector_type, endpoint_identity, ${from}::timestamptz, ${capped(sql, "delta_messages_ingested")},
          ${capped(sql, "delta_messages_failed")}, ${capped(sql, "delta_source_api_calls")}, ${capped(sql, "delta_dedupe_accepted")}, count(*),
          count(*) FILTER (WHERE state = 'healthy'), count(*) FILTER (WHERE state = 'degraded'),
          count(*) FILTER (WHERE state = 'error'),
          round(100.0 * count(*) FILTER (WHERE state = 'healthy') / count(*), 2)
        FROM connector_heartbeat_log
        WHERE received_at >= ${from} AND received_at < ${to}
        GROUP BY connector_type, endpoint_identity
        ON CONFLICT (connector_type, endpoint_identity, day) DO UPDATE SET
          messages_ingested = EXCLUDED.messages_ingested, messages_failed = EXCLUDED.messages_failed,
          source_api_calls = EXCLUDED.source_api_calls, dedupe_accepted = EXCLUDED.dedupe_accepted,
          heartbeat_count = EXCLUDED.heartbeat_count, healthy_count = EXCLUDED.healthy_count,
          degraded_count = EXCLUDED.degraded_count, error_count = EXCLUDED.error_count, uptime_pct = EXCLUDED.uptime_pct
        RETURNING 1
      ) SELECT count(*) AS n FROM up`.pipe(Effect.map(counted)))

/**
 * connector_fanout_daily for the day [from, to): per connector (source channel and endpoint) and
 * target, the dispatch outcomes with status "delivered" whose `delivered_at` falls in the day
 * (the message's received_at when delivered_at is missing or not a timestamp). Only messages
 * received within `lookbackDays` before the day are read, which bounds the scan.
 */
export const fanout = (from: Date, to: Date, lookbackDays: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly n: string }>`
      WITH delivered AS (
        SELECT m.source_channel AS connector_type, m.source_endpoint_identity AS endpoint_identity, o->>'target' AS target,
          CASE WHEN o->>'delivered_at' ~ '^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}'
            THEN (o->>'delivered_at')::timestamptz ELSE m.received_at END AS delivered_at
        FROM message_inbox m
        CROSS JOIN LATERAL jsonb_array_elements(
          CASE WHEN jsonb_typeof(m.dispatch_outcomes) = 'array' THEN m.dispatch_outcomes ELSE '[]'::jsonb END) o
        WHERE m.received_at >= ${new Date(from.getTime() - lookbackDays * 86_400_000)} AND m.received_at < ${to}
          AND jsonb_typeof(o) = 'object' AND o->>'status' = 'delivered' AND coalesce(o->>'target', '') <> ''
      ), up AS (
        INSERT INTO connector_fanout_daily (connector_type, endpoint_identity, target, day, message_count)
        SELECT connector_type, endpoint_identity, target, ${from}::timestamptz, count(*)
        FROM delivered WHERE delivered_at >= ${from} AND delivered_at < ${to}
        GROUP BY connector_type, endpoint_identity, target
        ON CONFLICT (connector_type, endpoint_identity, target, day) DO UPDATE SET message_count = EXCLUDED.message_count
        RETURNING 1
      ) SELECT count(*) AS n FROM up`.pipe(Effect.map(counted)))
