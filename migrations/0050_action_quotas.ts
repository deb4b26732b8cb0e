import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Outbound action quotas and idempotency (issue 10). `action_quota_usage` counts successful calls per
 * caller, action and UTC day; `action_quota_holds` are the calls in flight that a free plan's limit
 * must count too (a hold past `expires_at` no longer counts); `action_idempotency` keeps the answer of a
 * successful call under its caller's key for 24 h (`pending` while the first call runs).
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE action_quota_usage (
      caller text NOT NULL,
      action text NOT NULL,
      day date NOT NULL,
      used integer NOT NULL DEFAULT 0,
      PRIMARY KEY (caller, action, day)
    )`
  yield* sql`
    CREATE TABLE action_quota_holds (
      id uuid PRIMARY KEY,
      caller text NOT NULL,
      action text NOT NULL,
      day date NOT NULL,
      expires_at timestamptz NOT NULL
    )`
  yield* sql`CREATE INDEX action_quota_holds_caller ON action_quota_holds (caller, action, day)`
  yield* sql`
    CREATE TABLE action_idempotency (
      caller text NOT NULL,
      key text NOT NULL,
      action text NOT NULL,
      request_hash text NOT NULL,
      state text NOT NULL CHECK (state IN ('pending', 'done')),
      answer jsonb,
      created_at timestamptz NOT NULL,
      lease_until timestamptz NOT NULL,
      PRIMARY KEY (caller, key)
    )`
  yield* sql`CREATE INDEX action_idempotency_created ON action_idempotency (created_at)`
})
