import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The SDK connector registry (issue 11): `connector_definitions` is an append-only event log
 * (register, enable, disable, configure), one row per call, also for a call that changed nothing
 * (`changed = false`), each row holding the whole entry as it stood after the event. Writers of one
 * connector are serialised by a transaction-scoped advisory lock on its id, so every row follows from
 * the one before it. `connector_definitions_current` is the last row per connector (last entry wins).
 * Not to be confused with `connector_registry` (0010), the heartbeat registry of running connectors.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE connector_definitions (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      connector_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('register', 'enable', 'disable', 'configure')),
      actor text NOT NULL,
      at timestamptz NOT NULL,
      changed boolean NOT NULL,
      module text NOT NULL,
      class_name text NOT NULL,
      enabled boolean NOT NULL,
      auth_type text NOT NULL,
      scopes text[] NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`
  yield* sql`CREATE INDEX connector_definitions_by_connector ON connector_definitions (connector_id, seq)`
  yield* sql`
    CREATE FUNCTION connector_definitions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'connector_definitions is append-only (% refused)', TG_OP;
    END
    $$`
  yield* sql`
    CREATE TRIGGER connector_definitions_append_only BEFORE UPDATE OR DELETE ON connector_definitions
    FOR EACH ROW EXECUTE FUNCTION connector_definitions_append_only()`
  yield* sql`
    CREATE VIEW connector_definitions_current AS
    SELECT DISTINCT ON (connector_id) seq, connector_id, module, class_name, enabled, auth_type, scopes, created_at, updated_at
    FROM connector_definitions
    ORDER BY connector_id, seq DESC`
})
