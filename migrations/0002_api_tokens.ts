import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** api_tokens (DESIGN.md §5.6): only the SHA-256 of a token is stored. */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE api_tokens (
      id text PRIMARY KEY,
      token_hash text NOT NULL UNIQUE,
      env text NOT NULL,
      channel text NOT NULL,
      provider text NOT NULL,
      endpoint_identity text NOT NULL,
      role text NOT NULL,
      label text,
      created_at timestamptz NOT NULL,
      expires_at timestamptz,
      revoked_at timestamptz,
      revoked_reason text,
      replaces text REFERENCES api_tokens (id)
    )`
})
