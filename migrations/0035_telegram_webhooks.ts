import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** telegram_webhooks: the SHA-256 of each registered webhook's secret_token, per bot endpoint. */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE telegram_webhooks (
      endpoint_identity text PRIMARY KEY,
      url text NOT NULL,
      secret_sha256 text NOT NULL,
      updated_at timestamptz NOT NULL
    )`
})
