import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, TestClock, TestContext } from "effect"
import * as PgRollups from "../../layers/Stats/PgRollups.js"
import { HOUR_MS } from "../../src/stats/Buckets.js"
import * as GenerateHistory from "../../src/stats/GenerateHistory.js"
import * as Worker from "../../src/stats/Worker.js"
import { StatsConfig } from "../../services/StatsConfig.js"
import * as TestDatabase from "../support/TestDatabase.js"

const Stats = PgRollups.layer.pipe(Layer.provideMerge(StatsConfig.layerWith()), Layer.provideMerge(TestDatabase.layer))

const T0 = Date.parse("2026-11-10T09:20:00Z")
const START_HOUR = Date.parse("2026-11-07T09:00:00Z")

const runs = (kind: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ bucket: Date }>`SELECT bucket FROM stats_rollup_runs WHERE kind = ${kind} ORDER BY bucket`).pipe(
      Effect.map((rows) => rows.map((r) => r.bucket.toISOString())),
      Effect.orDie
    )

/** Hourly rollups and the raw log must agree over [from, to). */
const agree = (from: number, to: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [rolled] = yield* sql<{ n: string }>`SELECT sum(messages_ingested) AS n FROM connector_stats_hourly
      WHERE hour >= ${new Date(from)} AND hour < ${new Date(to)}`
    const [raw] = yield* sql<{ n: string }>`SELECT sum(delta_messages_ingested) AS n FROM connector_heartbeat_log
      WHERE received_at >= ${new Date(from)} AND received_at < ${new Date(to)}`
    assert.strictEqual(Number(rolled?.n), Number(raw?.n))
    assert.isAbove(Number(raw?.n), 0)
  }).pipe(Effect.orDie)

layer(Stats, { excludeTestServices: true, timeout: 120_000 })("catch-up after downtime (TestClock, real Postgres)", (it) => {
  it.effect("at start every complete bucket with data is rolled up; after a 5-hour gap exactly the missed hours are", () =>
    Effect.gen(function*() {
      yield* GenerateHistory.generate({ connectors: 3, days: 3, end: new Date(T0), messagesPerDay: 2 })
      yield* TestClock.setTime(T0)
      yield* Worker.startup
      const hourly = yield* runs("hourly")
      assert.strictEqual(hourly.length, 72)
      assert.strictEqual(hourly[0], "2026-11-07T09:00:00.000Z")
      assert.strictEqual(hourly[71], "2026-11-10T08:00:00.000Z")
      assert.deepStrictEqual(yield* runs("daily"), [
        "2026-11-07T00:00:00.000Z",
        "2026-11-08T00:00:00.000Z",
        "2026-11-09T00:00:00.000Z"
      ])
      assert.strictEqual((yield* runs("fanout")).length, 3)
      yield* agree(START_HOUR, Date.parse("2026-11-10T09:00:00Z"))

      // The hub is down for five hours while connectors keep heartbeating (e.g. into another replica).
      yield* TestClock.adjust("5 hours")
      yield* GenerateHistory.generate({ connectors: 3, days: 5 / 24, end: new Date(T0 + 5 * HOUR_MS) })
      yield* Worker.startup
      const after = yield* runs("hourly")
      assert.deepStrictEqual(after.slice(72), [
        "2026-11-10T09:00:00.000Z",
        "2026-11-10T10:00:00.000Z",
        "2026-11-10T11:00:00.000Z",
        "2026-11-10T12:00:00.000Z",
        "2026-11-10T13:00:00.000Z"
      ])
      yield* agree(START_HOUR, Date.parse("2026-11-10T14:00:00Z"))
    }).pipe(Effect.provide(TestContext.TestContext)))
})
