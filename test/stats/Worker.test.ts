import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Metric, Ref, TestClock } from "effect"
import { rollupFailures } from "../../src/metrics/Metrics.js"
import type { RollupKind } from "../../src/domain/StatsBuckets.js"
import * as Worker from "../../src/stats/Worker.js"
import { Rollups, RollupsUnavailable } from "../../services/Rollups.js"

/** A Rollups that records which job ran at which (test) time. */
const recording = (failHourlyAt?: string) =>
  Effect.gen(function*() {
    const calls = yield* Ref.make<ReadonlyArray<string>>([])
    const note = (job: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(calls, (c) => [...c, `${new Date(now).toISOString().slice(0, 16)} ${job}`]))
    const service = Rollups.of({
      rollup: (kind: RollupKind, at: Date) => Effect.die(`unexpected rollup ${kind} ${at.toISOString()}`),
      catchUp: (kind) =>
        Effect.gen(function*() {
          yield* note(kind)
          const now = new Date(yield* Clock.currentTimeMillis).toISOString().slice(0, 16)
          if (kind === "hourly" && now === failHourlyAt) return yield* new RollupsUnavailable({ message: "database away" })
          return []
        }),
      prune: Effect.as(note("prune"), {
        dropped_partitions: [],
        created_partitions: [],
        hourly_rows: 0,
        daily_rows: 0,
        fanout_rows: 0,
        attempt_rows: 0,
        cutoffs: { heartbeats: "", hourly: "", daily: "", attempts: "" }
      }),
      ensurePartitions: Effect.as(note("partitions"), [])
    })
    return { calls, layer: Layer.succeed(Rollups, service) }
  })

describe("the stats worker's schedule (TestClock)", () => {
  it.effect("at start: partitions, catch-up of every kind, pruning; then hourly at :05 and daily at 00:15 UTC", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-11-22T21:58:00Z"))
      const { calls, layer } = yield* recording()
      const fiber = yield* Effect.fork(Worker.program.pipe(Effect.provide(layer)))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Ref.get(calls), [
        "2026-11-22T21:58 partitions",
        "2026-11-22T21:58 hourly",
        "2026-11-22T21:58 daily",
        "2026-11-22T21:58 fanout",
        "2026-11-22T21:58 prune"
      ])
      yield* Ref.set(calls, [])
      yield* TestClock.adjust("6 minutes")
      assert.deepStrictEqual(yield* Ref.get(calls), [])
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(yield* Ref.get(calls), ["2026-11-22T22:05 hourly"])
      yield* TestClock.adjust("130 minutes")
      assert.deepStrictEqual(yield* Ref.get(calls), [
        "2026-11-22T22:05 hourly",
        "2026-11-22T23:05 hourly",
        "2026-11-23T00:05 hourly",
        "2026-11-23T00:15 daily",
        "2026-11-23T00:15 fanout",
        "2026-11-23T00:15 prune"
      ])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a failed tick is counted and logged, and the next tick runs (catching up what was missed)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-11-22T10:00:00Z"))
      const { calls, layer } = yield* recording("2026-11-22T10:05")
      const fiber = yield* Effect.fork(Worker.schedules.pipe(Effect.provide(layer)))
      yield* TestClock.adjust("2 hours")
      assert.deepStrictEqual(yield* Ref.get(calls), ["2026-11-22T10:05 hourly", "2026-11-22T11:05 hourly"])
      const failures = yield* Metric.value(Metric.tagged(rollupFailures, "job", "hourly"))
      assert.strictEqual(failures.count, 1)
      yield* Fiber.interrupt(fiber)
    }))
})
