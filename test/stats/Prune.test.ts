import { assert, layer } from "@effect/vitest"
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Logger, LogLevel } from "effect"
import * as PgRollups from "../../layers/Stats/PgRollups.js"
import * as RollupCommand from "../../src/cli/RollupCommand.js"
import { DAY_MS } from "../../src/stats/Buckets.js"
import * as GenerateHistory from "../../src/stats/GenerateHistory.js"
import { Rollups } from "../../services/Rollups.js"
import { StatsConfig } from "../../services/StatsConfig.js"
import * as TestDatabase from "../support/TestDatabase.js"
import * as FrozenClock from "./support/FrozenClock.js"

const NOW = Date.parse("2026-06-15T12:00:00Z")
const clock = FrozenClock.make(NOW)

const Stats = PgRollups.layer.pipe(
  Layer.provideMerge(StatsConfig.layerWith()),
  Layer.provideMerge(TestDatabase.layer),
  Layer.provideMerge(clock.layer)
)

const partitions = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ name: string }>`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'connector_heartbeat_log'::regclass ORDER BY 1`).pipe(Effect.map((rows) => rows.map((r) => r.name)))

const count = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: string }>`SELECT count(*) AS n FROM ${sql(table)}`).pipe(
    Effect.map((rows) => Number(rows[0]?.n))
  )

const runCli = (args: ReadonlyArray<string>) =>
  Command.run(RollupCommand.rollupCommand, { name: "rollup", version: "test" })(["node", "rollup", ...args]).pipe(
    Effect.provide(NodeContext.layer),
    Effect.provide(Logger.minimumLogLevel(LogLevel.Warning))
  )

layer(Stats, { excludeTestServices: true, timeout: 120_000 })("retention", (it) => {
  it.effect("prune drops whole expired day partitions, creates the next ones, deletes expired stats rows, and is idempotent", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rollups = yield* Rollups
      yield* GenerateHistory.generate({ connectors: 2, days: 10, end: new Date(NOW), rollups: true })
      const old = (ms: number) => new Date(NOW - ms)
      yield* sql`INSERT INTO connector_stats_hourly VALUES ('sandbox', 'old', ${old(31 * DAY_MS)}, 1, 0, 0, 0, 1, 1, 0, 0),
        ('sandbox', 'old', ${old(29 * DAY_MS)}, 1, 0, 0, 0, 1, 1, 0, 0)`
      yield* sql`INSERT INTO connector_stats_daily VALUES ('sandbox', 'old', ${old(400 * DAY_MS)}, 1, 0, 0, 0, 1, 1, 0, 0, 100)`
      yield* sql`INSERT INTO connector_fanout_daily VALUES ('sandbox', 'old', 'crm', ${old(366 * DAY_MS)}, 3),
        ('sandbox', 'old', 'crm', ${old(300 * DAY_MS)}, 3)`
      // Attempt history older than SWITCHBOARD_ATTEMPT_RETENTION_DAYS (30) goes; newer stays.
      yield* sql`INSERT INTO delivery_attempts (request_id, target, attempt, attempted_at, status, latency_ms, outcome)
        VALUES (${globalThis.crypto.randomUUID()}, 'crm', 1, ${old(31 * DAY_MS)}, 200, 5, 'delivered'),
          (${globalThis.crypto.randomUUID()}, 'crm', 1, ${old(29 * DAY_MS)}, 200, 5, 'delivered')`
      const before = yield* partitions
      assert.strictEqual(before[0], "connector_heartbeat_log_p20260605")
      const rowsOf = (name: string) =>
        Effect.map(sql<{ n: string }>`SELECT count(*) AS n FROM ${sql(name)}`, (r) => Number(r[0]?.n))
      const expectedDropped = yield* Effect.forEach(["connector_heartbeat_log_p20260605", "connector_heartbeat_log_p20260606", "connector_heartbeat_log_p20260607"], rowsOf)

      const report = yield* rollups.prune
      assert.deepStrictEqual(report.dropped_partitions.map((d) => d.name), [
        "connector_heartbeat_log_p20260605",
        "connector_heartbeat_log_p20260606",
        "connector_heartbeat_log_p20260607"
      ])
      assert.deepStrictEqual(report.dropped_partitions.map((d) => d.rows), expectedDropped)
      assert.deepStrictEqual(report.created_partitions, [
        "connector_heartbeat_log_p20260616",
        "connector_heartbeat_log_p20260617",
        "connector_heartbeat_log_p20260618"
      ])
      assert.strictEqual(report.hourly_rows, 1)
      assert.strictEqual(report.daily_rows, 1)
      assert.strictEqual(report.fanout_rows, 1)
      assert.strictEqual(report.attempt_rows, 1)
      assert.strictEqual(yield* count("delivery_attempts"), 1)
      const after = yield* partitions
      assert.strictEqual(after[0], "connector_heartbeat_log_p20260608")
      assert.strictEqual(after[after.length - 1], "connector_heartbeat_log_p20260618")
      assert.strictEqual(yield* count("connector_fanout_daily"), 1)

      const again = yield* rollups.prune
      assert.deepStrictEqual(
        [again.dropped_partitions.length, again.created_partitions.length, again.hourly_rows, again.daily_rows, again.fanout_rows, again.attempt_rows],
        [0, 0, 0, 0, 0, 0]
      )
    }))

  it.effect("the CLI rolls up the bucket holding --at, refuses a bad --at, and prunes", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`DELETE FROM connector_stats_hourly WHERE hour = ${new Date("2026-06-14T09:00:00Z")}`
      yield* sql`DELETE FROM stats_rollup_runs WHERE kind = 'hourly' AND bucket = ${new Date("2026-06-14T09:00:00Z")}`
      yield* runCli(["hourly", "--at", "2026-06-14T09:41:00Z", "--json"])
      assert.strictEqual(yield* count("connector_stats_hourly").pipe(Effect.map((n) => n > 0)), true)
      const rows = yield* sql<{ n: string }>`SELECT count(*) AS n FROM connector_stats_hourly WHERE hour = ${new Date("2026-06-14T09:00:00Z")}`
      assert.strictEqual(Number(rows[0]?.n), 2)
      const done = yield* sql<{ n: string }>`SELECT count(*) AS n FROM stats_rollup_runs WHERE kind = 'hourly' AND bucket = ${new Date("2026-06-14T09:00:00Z")}`
      assert.strictEqual(Number(done[0]?.n), 1)
      const bad = yield* runCli(["daily", "--at", "yesterday"]).pipe(Effect.flip)
      assert.strictEqual(bad._tag, "InvalidValue")
      yield* runCli(["prune"])
      yield* runCli(["catchup"])
    }))
})
