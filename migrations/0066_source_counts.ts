import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The hub's own counts per source (issue 12), written by SourceCounts with additive upserts:
 * - hub_source_counts: per UTC hour and source (channel, provider, endpoint_identity), envelopes accepted,
 *   duplicate and rejected. The fixed sources "(unparsed)" and "(overflow)" hold rejected envelopes whose
 *   source could not be read and outcomes beyond the hour's budget of distinct sources. Rows are pruned
 *   after the retention (8 days by default), so the table stays small.
 *   The primary key leads with the hour (pruning, "everything this hour"); (endpoint_identity, hour) serves
 *   the dashboard's per-connector reads, which match the connector type against provider or channel.
 * - hub_source_counts_since: one row, when counting began (this migration), so a heartbeat claim made
 *   over a day the hub only partly counted is not mistaken for a finding.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE hub_source_counts (
      hour timestamptz NOT NULL,
      channel text NOT NULL,
      provider text NOT NULL,
      endpoint_identity text NOT NULL,
      accepted bigint NOT NULL DEFAULT 0,
      duplicate bigint NOT NULL DEFAULT 0,
      rejected bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (hour, channel, provider, endpoint_identity)
    )`
  yield* sql`CREATE INDEX hub_source_counts_endpoint ON hub_source_counts (endpoint_identity, hour)`
  yield* sql`
    CREATE TABLE hub_source_counts_since (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      since timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`INSERT INTO hub_source_counts_since DEFAULT VALUES`
})
