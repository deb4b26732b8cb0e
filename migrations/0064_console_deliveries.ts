import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The operator console (issue 12), delivery side:
 * - delivery_targets.paused_at: a paused target's pending rows are parked (next_attempt_at = 'infinity')
 *   until it is resumed; nothing is dropped and thread order is kept (parked rows stay pending).
 * - delivery_attempts: one row per attempt, written in the same statement that records the outcome, so a
 *   request's detail shows every attempt (time, status, latency, error, next attempt). No foreign key (the
 *   outbox row exists: the outcome update and this insert are one statement). Append-only.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE delivery_targets ADD COLUMN paused_at timestamptz`
  yield* sql`
    CREATE TABLE delivery_attempts (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      request_id uuid NOT NULL,
      target text NOT NULL,
      attempt integer NOT NULL,
      attempted_at timestamptz NOT NULL,
      status integer,
      latency_ms integer,
      outcome text NOT NULL,
      error text,
      next_attempt_at timestamptz
    )`
  yield* sql`CREATE INDEX delivery_attempts_request ON delivery_attempts (request_id, target, id)`
  yield* sql`CREATE INDEX delivery_attempts_at ON delivery_attempts (attempted_at)`
})
