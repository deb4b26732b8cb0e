import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * connector_secrets: one AES-256-GCM ciphertext per (owner, name), sealed with the owner and name as
 * additional authenticated data; `key_id` is the fingerprint of the key that sealed it (never the key).
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE connector_secrets (
      owner text NOT NULL,
      name text NOT NULL,
      nonce bytea NOT NULL CHECK (octet_length(nonce) = 12),
      ciphertext bytea NOT NULL,
      auth_tag bytea NOT NULL CHECK (octet_length(auth_tag) = 16),
      key_id text NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (owner, name)
    )`
})
