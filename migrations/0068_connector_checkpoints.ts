import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Scale-out (issue 15):
 * - connector_checkpoints: hub-held source cursors, one per connector type and source, committed in the
 *   same transaction as the inbox rows of the batch they move past (IngestBatch with a checkpoint), so a
 *   connector resumes exactly where its last accepted batch ended on whichever runner takes it over.
 *   `commits` counts the commits, `updated_by` names the last committer (token id, in-process:<type>, cli).
 * - switchboard_singletons: where each cluster singleton (hosted connector, stats worker) last started, and
 *   when; written by the runner that starts it, read by the dashboard and `switchboard checkpoints list`.
 *   `holder` names the process (runner and a per-start id) that started it last: a hosted connector's
 *   checkpoint commits only while it is that holder (the fence against a runner that lost its singleton
 *   but has not noticed yet).
 * - stats_rollup_runs.computations: how many times a bucket was computed (1 when once per bucket holds
 *   across the cluster), and runner: which runner computed it last.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE connector_checkpoints (
      connector_type text NOT NULL,
      source_channel text NOT NULL,
      source_provider text NOT NULL,
      source_endpoint_identity text NOT NULL,
      cursor jsonb NOT NULL,
      updated_at timestamptz NOT NULL,
      updated_by text NOT NULL,
      commits bigint NOT NULL DEFAULT 1,
      PRIMARY KEY (connector_type, source_channel, source_provider, source_endpoint_identity)
    )`
  yield* sql`
    CREATE TABLE switchboard_singletons (
      name text PRIMARY KEY,
      runner text NOT NULL,
      holder text NOT NULL,
      started_at timestamptz NOT NULL
    )`
  yield* sql`ALTER TABLE stats_rollup_runs
    ADD COLUMN computations integer NOT NULL DEFAULT 1,
    ADD COLUMN runner text`
})
