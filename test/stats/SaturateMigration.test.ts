/**
 * Migration 0045 on a real database that holds sums written before counters were bounded: every sum past
 * 2^53 − 1 comes down to it, every other value stays.
 */
import { assert, layer } from "@effect/vitest"
import { NodeContext } from "@effect/platform-node"
import { Migrator, SqlClient } from "@effect/sql"
import { PgMigrator } from "@effect/sql-pg"
import { Effect } from "effect"
import { migrations } from "../../migrations/index.js"
import { MAX_SUM } from "../../src/domain/Heartbeat.js"
import * as TestDatabase from "../support/TestDatabase.js"

const BIGINT_MAX = "9223372036854775807"

const migrate = (ids: (id: number) => boolean) =>
  PgMigrator.run({
    loader: Migrator.fromRecord(Object.fromEntries(Object.entries(migrations).filter(([key]) => ids(Number(key.split("_")[0])))))
  }).pipe(Effect.provide(NodeContext.layer))

layer(TestDatabase.unmigrated, { excludeTestServices: true, timeout: 120_000 })("migration 0045_stats_saturate", (it) => {
  it.effect("brings stored sums past 2^53 − 1 down to it and leaves the rest", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* migrate((id) => id < 45)
      const day = new Date("2026-11-22T00:00:00Z")
      yield* sql`INSERT INTO connector_registry (connector_type, endpoint_identity, first_seen_at, live_day, live_day_ingested,
        live_day_failed, live_hour_ingested) VALUES
        ('sandbox', 'huge', ${day}, ${day}, ${BIGINT_MAX}::bigint, 7, 9007199254740992),
        ('sandbox', 'small', ${day}, ${day}, 12, 3, 4)`
      for (const table of ["connector_stats_hourly", "connector_stats_daily"]) {
        const bucket = table.endsWith("hourly") ? "hour" : "day"
        yield* sql`INSERT INTO ${sql(table)} (connector_type, endpoint_identity, ${sql(bucket)}, messages_ingested, messages_failed,
          source_api_calls, dedupe_accepted, heartbeat_count, healthy_count, degraded_count, error_count)
          VALUES ('sandbox', 'huge', ${day}, ${BIGINT_MAX}::bigint, 5, ${BIGINT_MAX}::bigint, 0, 1, 1, 0, 0),
                 ('sandbox', 'small', ${day}, 10, 2, 3, 4, 1, 1, 0, 0)`
      }
      const applied = yield* migrate(() => true)
      assert.deepInclude(applied, [45, "stats_saturate"])

      const registry = yield* sql<{ readonly id: string; readonly v: string }>`SELECT endpoint_identity AS id,
        concat_ws(' ', live_day_ingested, live_day_failed, live_hour_ingested) AS v FROM connector_registry ORDER BY 1`
      assert.deepStrictEqual(registry.map((r) => [r.id, r.v]), [["huge", `${MAX_SUM} 7 ${MAX_SUM}`], ["small", "12 3 4"]])
      for (const table of ["connector_stats_hourly", "connector_stats_daily"]) {
        const rows = yield* sql<{ readonly id: string; readonly v: string }>`SELECT endpoint_identity AS id,
          concat_ws(' ', messages_ingested, messages_failed, source_api_calls, dedupe_accepted) AS v FROM ${sql(table)} ORDER BY 1`
        assert.deepStrictEqual(rows.map((r) => [r.id, r.v]), [["huge", `${MAX_SUM} 5 ${MAX_SUM} 0`], ["small", "10 2 3 4"]], table)
      }
    }))
})
