import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** The latest source counters each connector reported (heartbeat `source_counters`); /metrics sums them by type. */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE connector_registry ADD COLUMN source_counters jsonb`
})
