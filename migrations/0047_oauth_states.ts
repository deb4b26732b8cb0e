import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * oauth_states: one pending OAuth consent per row, found by the SHA-256 of its `state` (the state itself
 * is never stored), bound to the admin token that started it and to the browser by the SHA-256 of a
 * cookie nonce. The PKCE verifier is kept in the secret store under `verifier_owner`. Single use
 * (`used_at`), valid until `expires_at`.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE oauth_states (
      state_sha256 text PRIMARY KEY,
      token_id text NOT NULL,
      endpoint_identity text NOT NULL,
      browser_sha256 text NOT NULL,
      verifier_owner text NOT NULL,
      redirect_uri text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    )`
  yield* sql`CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at)`
})
