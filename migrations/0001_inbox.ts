import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** message_inbox (DESIGN.md §7): one row per accepted request; the unique dedupe_key is the claim. */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE message_inbox (
      request_id uuid PRIMARY KEY,
      dedupe_key text NOT NULL,
      source_channel text NOT NULL,
      source_provider text NOT NULL,
      source_endpoint_identity text NOT NULL,
      external_event_id text,
      external_thread_id text,
      sender_identity text NOT NULL,
      observed_at timestamptz NOT NULL,
      normalized_text text NOT NULL,
      raw jsonb,
      attachments jsonb NOT NULL DEFAULT '[]'::jsonb,
      trace_context jsonb,
      policy_tier text NOT NULL DEFAULT 'default',
      ingestion_tier text NOT NULL DEFAULT 'full',
      received_at timestamptz NOT NULL,
      lifecycle_state text NOT NULL DEFAULT 'accepted',
      dispatch_outcomes jsonb NOT NULL DEFAULT '[]'::jsonb
    )`
  yield* sql`CREATE UNIQUE INDEX message_inbox_dedupe_key ON message_inbox (dedupe_key)`
  yield* sql`CREATE INDEX message_inbox_source_received ON message_inbox
    (source_channel, source_provider, source_endpoint_identity, received_at)`
  yield* sql`CREATE INDEX message_inbox_received_at ON message_inbox (received_at)`
})
