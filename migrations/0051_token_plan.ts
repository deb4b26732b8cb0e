import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** api_tokens.plan (issue 10): `free` (1 successful call per action per UTC day) or `pro` (unlimited). */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE api_tokens ADD COLUMN plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro'))`
})
