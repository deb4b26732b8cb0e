import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * What degraded in each connector (issue 13), kept in its registry row:
 * - degradation: the latest heartbeat `degradation` object of the current instance (counts since its start;
 *   NULL when that instance sent none), the base the next heartbeat's deltas are computed against;
 * - degradation_totals: the same shape, summed over every instance (deltas: a new instance contributes all
 *   it reports, a count that went down within one instance was reset), so /metrics counters stay monotonic
 *   across connector restarts;
 * - last_submission_at: when the hub last accepted an event from the connector, as its heartbeat said.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE connector_registry
    ADD COLUMN degradation jsonb,
    ADD COLUMN degradation_totals jsonb,
    ADD COLUMN last_submission_at timestamptz`
})
