import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, FastCheck as fc, Layer } from "effect"
import * as PgHeartbeatStore from "../../layers/Heartbeats/PgHeartbeatStore.js"
import * as PgRollups from "../../layers/Stats/PgRollups.js"
import type { HeartbeatV1 } from "../../src/domain/Heartbeat.js"
import { DAY_MS, HOUR_MS, truncDay, truncHour } from "../../src/stats/Buckets.js"
import { HeartbeatStore } from "../../services/HeartbeatStore.js"
import { Rollups } from "../../services/Rollups.js"
import { StatsConfig } from "../../services/StatsConfig.js"
import * as TestDatabase from "../support/TestDatabase.js"

const Stats = Layer.mergeAll(PgHeartbeatStore.layer, PgRollups.layer).pipe(
  Layer.provideMerge(StatsConfig.layerWith()),
  Layer.provideMerge(TestDatabase.layer)
)

/** Far in the past of any run, so every bucket is complete; nothing depends on today's date. */
const BASE = Date.parse("2021-03-01T22:40:00Z")

const step = fc.record({
  connector: fc.nat(2),
  restart: fc.boolean(),
  ingested: fc.nat(40),
  failed: fc.nat(3),
  gapS: fc.integer({ min: 30, max: 2400 }),
  state: fc.constantFrom("healthy" as const, "healthy" as const, "degraded" as const, "error" as const)
})

let run = 0

interface StatsRow {
  readonly endpoint_identity: string
  readonly messages_ingested: string
  readonly messages_failed: string
  readonly heartbeat_count: number
  readonly healthy_count: number
}

const snapshot = (identities: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.all({
      hourly: sql<StatsRow>`SELECT * FROM connector_stats_hourly WHERE endpoint_identity IN ${sql.in(identities)}
        ORDER BY endpoint_identity, hour`,
      daily: sql<StatsRow>`SELECT * FROM connector_stats_daily WHERE endpoint_identity IN ${sql.in(identities)}
        ORDER BY endpoint_identity, day`
    }))

layer(Stats, { excludeTestServices: true, timeout: 120_000 })("rollups over the real heartbeat path", (it) => {
  it.effect.prop(
    "hourly and daily sums equal the work done across restarts; re-running any bucket changes nothing",
    [fc.array(step, { minLength: 1, maxLength: 40 })],
    ([steps]) =>
      Effect.gen(function*() {
        const store = yield* HeartbeatStore
        const rollups = yield* Rollups
        run++
        const identities = [0, 1, 2].map((c) => `prop-${run}-${c}`)
        const state = identities.map(() => ({ instance: 0, ingested: 0, failed: 0 }))
        const work = identities.map(() => ({ ingested: 0, failed: 0, beats: 0, healthy: 0 }))
        const hours = new Set<number>()
        let t = BASE + run * 7 * DAY_MS
        for (const s of steps) {
          t += s.gapS * 1000
          const c = state[s.connector]!
          if (s.restart) Object.assign(c, { instance: c.instance + 1, ingested: 0, failed: 0 })
          c.ingested += s.ingested
          c.failed += s.failed
          const w = work[s.connector]!
          Object.assign(w, {
            ingested: w.ingested + s.ingested,
            failed: w.failed + s.failed,
            beats: w.beats + 1,
            healthy: w.healthy + (s.state === "healthy" ? 1 : 0)
          })
          const hb: HeartbeatV1 = {
            schema_version: "connector.heartbeat.v1",
            connector: {
              connector_type: "sandbox",
              endpoint_identity: identities[s.connector]!,
              instance_id: `00000000-0000-7000-8000-${String(run * 1000 + c.instance).padStart(12, "0")}`
            },
            status: { state: s.state, uptime_s: 1 },
            counters: { messages_ingested: c.ingested, messages_failed: c.failed, source_api_calls: 0, checkpoint_saves: 0, dedupe_accepted: 0 },
            sent_at: new Date(t).toISOString()
          }
          yield* store.record(hb, new Date(t))
          hours.add(truncHour(t))
        }
        const days = new Set([...hours].map(truncDay))
        const rollAll = Effect.all([
          Effect.forEach(hours, (h) => rollups.rollup("hourly", new Date(h))),
          Effect.forEach(days, (d) => rollups.rollup("daily", new Date(d + HOUR_MS)))
        ])
        yield* rollAll
        const first = yield* snapshot(identities)
        const { daily, hourly } = first
        identities.forEach((id, i) => {
          const h = hourly.filter((r) => r.endpoint_identity === id)
          const d = daily.filter((r) => r.endpoint_identity === id)
          assert.strictEqual(h.reduce((n, r) => n + Number(r.messages_ingested), 0), work[i]!.ingested)
          assert.strictEqual(h.reduce((n, r) => n + Number(r.messages_failed), 0), work[i]!.failed)
          assert.strictEqual(h.reduce((n, r) => n + r.heartbeat_count, 0), work[i]!.beats)
          assert.strictEqual(h.reduce((n, r) => n + r.healthy_count, 0), work[i]!.healthy)
          assert.strictEqual(d.reduce((n, r) => n + Number(r.messages_ingested), 0), work[i]!.ingested)
        })
        yield* rollAll
        yield* Effect.forEach([...hours].reverse(), (h) => rollups.rollup("hourly", new Date(h + 59 * 60_000)))
        assert.deepStrictEqual(yield* snapshot(identities), first)
      }).pipe(Effect.orDie),
    { fastCheck: { numRuns: 25 } }
  )
})
