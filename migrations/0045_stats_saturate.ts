import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Sums of heartbeat counters saturate at 2^53 − 1 (MAX_SUM in src/domain/Heartbeat.ts) from now on; this
 * brings sums stored before that rule (up to bigint's 9.22e18, from unbounded counters) down to the same
 * bound, so the dashboard never shows a number beyond it. The literal is repeated here on purpose: a
 * migration must not change when the constant does.
 */
const CAP = "9007199254740991"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const saturate = (table: string, columns: ReadonlyArray<string>) =>
    sql`UPDATE ${sql(table)} SET ${
      sql.literal(columns.map((c) => `${c} = LEAST(${c}, ${CAP})`).join(", "))
    } WHERE ${sql.literal(columns.map((c) => `${c} > ${CAP}`).join(" OR "))}`
  yield* saturate("connector_registry", ["live_hour_ingested", "live_hour_failed", "live_day_ingested", "live_day_failed"])
  yield* saturate("connector_stats_hourly", ["messages_ingested", "messages_failed", "source_api_calls", "dedupe_accepted"])
  yield* saturate("connector_stats_daily", ["messages_ingested", "messages_failed", "source_api_calls", "dedupe_accepted"])
})
