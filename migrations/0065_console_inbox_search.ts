import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The operator console's request log (issue 12): `q` search and the sender filter on message_inbox.
 *
 * Trigram (pg_trgm, GIN) rather than full-text search: operators paste ids, order numbers, e-mail
 * addresses, phone numbers and parts of words ("invoic", "#A-1042", "@acme.co"), in any language.
 * Full-text search matches whole lexemes after a language's stemming, so it misses those; a trigram
 * index serves `normalized_text ILIKE '%…%'` exactly (substring, any case, no dictionary), at least
 * MIN_QUERY_CHARS characters, and the database rechecks every candidate, so answers are never fuzzy.
 * Cost: every inbox INSERT adds one GIN entry per distinct trigram of its text. GIN's fast-update
 * pending list batches them (flushed by autovacuum or at gin_pending_list_limit), so ingest pays a
 * cheap append, not a tree walk per trigram; the index is about as large as the texts themselves.
 * No other text index: the time (received_at) index and this one serve every `q` plan.
 *
 * (sender_identity, received_at) serves "this sender, newest first" without walking the time index.
 *
 * Deliberately NOT indexed: lifecycle_state. The delivery worker rewrites lifecycle_state on every
 * outcome; an index on it would turn those heap-only (HOT) updates (0036_inbox_fillfactor) into
 * updates of every index of the table. The lifecycle filter walks the time index newest first and
 * filters, which is quick for the common states and bounded by the statement timeout for rare ones.
 * Neither column indexed here is ever updated, so HOT updates keep working.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`
  yield* sql`CREATE INDEX message_inbox_text_trgm ON message_inbox USING gin (normalized_text gin_trgm_ops)`
  yield* sql`CREATE INDEX message_inbox_sender_received ON message_inbox (sender_identity, received_at)`
})
