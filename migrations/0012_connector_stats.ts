import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Statistics rollups (DESIGN.md §7), UTC buckets: connector_stats_hourly (30 days),
 * connector_stats_daily and connector_fanout_daily (1 year), and stats_rollup_runs, the record of
 * completed buckets that catch-up after downtime reads.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE connector_stats_hourly (
      connector_type text NOT NULL,
      endpoint_identity text NOT NULL,
      hour timestamptz NOT NULL,
      messages_ingested bigint NOT NULL,
      messages_failed bigint NOT NULL,
      source_api_calls bigint NOT NULL,
      dedupe_accepted bigint NOT NULL,
      heartbeat_count integer NOT NULL,
      healthy_count integer NOT NULL,
      degraded_count integer NOT NULL,
      error_count integer NOT NULL,
      PRIMARY KEY (connector_type, endpoint_identity, hour)
    )`
  yield* sql`CREATE INDEX connector_stats_hourly_hour ON connector_stats_hourly (hour)`
  yield* sql`
    CREATE TABLE connector_stats_daily (
      connector_type text NOT NULL,
      endpoint_identity text NOT NULL,
      day timestamptz NOT NULL,
      messages_ingested bigint NOT NULL,
      messages_failed bigint NOT NULL,
      source_api_calls bigint NOT NULL,
      dedupe_accepted bigint NOT NULL,
      heartbeat_count integer NOT NULL,
      healthy_count integer NOT NULL,
      degraded_count integer NOT NULL,
      error_count integer NOT NULL,
      uptime_pct double precision,
      PRIMARY KEY (connector_type, endpoint_identity, day)
    )`
  yield* sql`CREATE INDEX connector_stats_daily_day ON connector_stats_daily (day)`
  yield* sql`
    CREATE TABLE connector_fanout_daily (
      connector_type text NOT NULL,
      endpoint_identity text NOT NULL,
      target text NOT NULL,
      day timestamptz NOT NULL,
      message_count bigint NOT NULL,
      PRIMARY KEY (connector_type, endpoint_identity, target, day)
    )`
  yield* sql`CREATE INDEX connector_fanout_daily_day ON connector_fanout_daily (day)`
  yield* sql`
    CREATE TABLE stats_rollup_runs (
      kind text NOT NULL,
      bucket timestamptz NOT NULL,
      row_count integer NOT NULL,
      duration_ms double precision NOT NULL,
      ran_at timestamptz NOT NULL,
      PRIMARY KEY (kind, bucket)
    )`
})
