import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * connector_heartbeat_log (DESIGN.md §7): every heartbeat with its counters and their deltas,
 * range-partitioned by UTC day on received_at (`connector_heartbeat_log_pYYYYMMDD`). Partitions are
 * created on demand and ahead by the hub, and dropped whole after the retention (7 days).
 * No unique key: a partitioned table's keys would have to include received_at (EFFECT_NOTES G27).
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE connector_heartbeat_log (
      connector_type text NOT NULL,
      endpoint_identity text NOT NULL,
      instance_id uuid NOT NULL,
      version text,
      state text NOT NULL,
      error_message text,
      uptime_s double precision NOT NULL,
      counter_messages_ingested bigint NOT NULL,
      counter_messages_failed bigint NOT NULL,
      counter_source_api_calls bigint NOT NULL,
      counter_checkpoint_saves bigint NOT NULL,
      counter_dedupe_accepted bigint NOT NULL,
      delta_messages_ingested bigint NOT NULL,
      delta_messages_failed bigint NOT NULL,
      delta_source_api_calls bigint NOT NULL,
      delta_checkpoint_saves bigint NOT NULL,
      delta_dedupe_accepted bigint NOT NULL,
      checkpoint_cursor text,
      checkpoint_updated_at timestamptz,
      sent_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL
    ) PARTITION BY RANGE (received_at)`
  yield* sql`CREATE INDEX connector_heartbeat_log_received ON connector_heartbeat_log (received_at)`
  yield* sql`CREATE INDEX connector_heartbeat_log_connector ON connector_heartbeat_log
    (connector_type, endpoint_identity, received_at)`
  yield* sql`CREATE INDEX connector_heartbeat_log_unhealthy ON connector_heartbeat_log (received_at)
    WHERE state <> 'healthy'`
})
