import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * delivery_outbox: one row per (request, target), written in the same statement as the inbox row,
 * so it is kept narrow (the webhook-id is derived from request_id and target; received_at lives in
 * the inbox). request_id is a UUIDv7, so (target, thread_key, request_id) is acceptance order within
 * a thread. No foreign key to message_inbox: both rows come from one statement, inbox rows are never
 * deleted, and the check would cost an index probe per row on the ingest path.
 * A claimed row stays `pending` with a lease (claimed_until, claim_token) until its outcome is recorded.
 * It is a queue table: updated twice per delivery, so it leaves room for HOT updates and is vacuumed often.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE delivery_outbox (
      request_id uuid NOT NULL,
      target text NOT NULL,
      thread_key text,
      status text NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      claimed_until timestamptz,
      claim_token uuid,
      claimed_by text,
      last_status integer,
      last_error text,
      last_attempt_at timestamptz,
      delivered_at timestamptz,
      PRIMARY KEY (request_id, target)
    ) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02)`
  yield* sql`CREATE INDEX delivery_outbox_due ON delivery_outbox (next_attempt_at, request_id)
    WHERE status = 'pending'`
  yield* sql`CREATE INDEX delivery_outbox_thread ON delivery_outbox (target, thread_key, request_id)
    WHERE status = 'pending' AND thread_key IS NOT NULL`
})
