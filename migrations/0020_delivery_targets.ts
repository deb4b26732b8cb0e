import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * delivery_targets: named HTTP webhook receivers. A removed target keeps its row (removed_at) so
 * pending deliveries and dead letters still name it; re-adding the name revives the row.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE delivery_targets (
      name text PRIMARY KEY,
      url text NOT NULL,
      secret text NOT NULL,
      created_at timestamptz NOT NULL,
      removed_at timestamptz
    )`
})
