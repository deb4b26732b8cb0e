import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * connector_registry (DESIGN.md §7): the latest state, counters and checkpoint of every connector;
 * never pruned. The `live_*` columns accumulate the deltas of the current UTC hour and day as
 * heartbeats arrive (reset when a heartbeat falls in a new hour or day), so the dashboard reads
 * "today" and the not-yet-rolled-up current hour from one row per connector.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE connector_registry (
      connector_type text NOT NULL,
      endpoint_identity text NOT NULL,
      instance_id uuid,
      version text,
      state text,
      error_message text,
      uptime_s double precision,
      last_heartbeat_at timestamptz,
      last_sent_at timestamptz,
      first_seen_at timestamptz NOT NULL,
      registered_via text NOT NULL DEFAULT 'self',
      counter_messages_ingested bigint NOT NULL DEFAULT 0,
      counter_messages_failed bigint NOT NULL DEFAULT 0,
      counter_source_api_calls bigint NOT NULL DEFAULT 0,
      counter_checkpoint_saves bigint NOT NULL DEFAULT 0,
      counter_dedupe_accepted bigint NOT NULL DEFAULT 0,
      checkpoint_cursor text,
      checkpoint_updated_at timestamptz,
      capabilities jsonb NOT NULL DEFAULT '{}'::jsonb,
      restart_count integer NOT NULL DEFAULT 0,
      live_hour timestamptz,
      live_hour_ingested bigint NOT NULL DEFAULT 0,
      live_hour_failed bigint NOT NULL DEFAULT 0,
      live_hour_heartbeats integer NOT NULL DEFAULT 0,
      live_hour_healthy integer NOT NULL DEFAULT 0,
      live_hour_degraded integer NOT NULL DEFAULT 0,
      live_hour_error integer NOT NULL DEFAULT 0,
      live_day timestamptz,
      live_day_ingested bigint NOT NULL DEFAULT 0,
      live_day_failed bigint NOT NULL DEFAULT 0,
      live_day_heartbeats integer NOT NULL DEFAULT 0,
      live_day_healthy integer NOT NULL DEFAULT 0,
      PRIMARY KEY (connector_type, endpoint_identity)
    )`
})
