/** How batches reach the hub: IngestBatch calls of up to 100, fetching ahead only where the source allows it. */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Ref, TestClock } from "effect"
import { advanceUntil, build, savedNext } from "./Harness.js"

const accept = () => "accept" as const
const slowHub = [accept, { latency: () => Duration.seconds(5) }] as const

describe("submitting batches", () => {
  it.effect("a batch goes to the hub as IngestBatch calls of up to 100 envelopes, not split by the in-flight limit", () =>
    Effect.gen(function*() {
      const { hub, runtime, store } = yield* build({
        hub: [accept],
        source: { total: 280, batchSize: 250 },
        options: { maxInflight: 8 }
      })
      const fiber = yield* Effect.fork(runtime.run)
      assert.isTrue(yield* advanceUntil(Effect.map(savedNext(store), (n) => n === 280)))
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual([...(yield* Ref.get(hub.state)).requests].sort((a, b) => a - b), [30, 50, 100, 100])
    }))

  it.effect("with read-ahead, later batches are fetched while earlier ones are submitted, at most CONNECTOR_MAX_INFLIGHT requests at once", () =>
    Effect.gen(function*() {
      const { hub, runtime, source, store } = yield* build({
        hub: [...slowHub],
        source: { total: 100, batchSize: 10 },
        options: { maxInflight: 3 }
      })
      const fiber = yield* Effect.fork(runtime.run)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Ref.get(source.fetches), 3)
      assert.strictEqual((yield* Ref.get(hub.state)).inflight, 3)
      assert.strictEqual(yield* savedNext(store), -1)
      assert.isTrue(yield* advanceUntil(Effect.map(savedNext(store), (n) => n === 100)))
      yield* Fiber.interrupt(fiber)
      assert.strictEqual((yield* Ref.get(hub.state)).maxInflight, 3)
      assert.strictEqual((yield* runtime.state.snapshot).counters.checkpoint_saves, 10)
    }))

  it.effect("without read-ahead, the next fetch starts only once the previous batch is handled", () =>
    Effect.gen(function*() {
      const { hub, runtime, source, store } = yield* build({
        hub: [...slowHub],
        source: { total: 30, batchSize: 10, readAhead: false },
        options: { maxInflight: 3 }
      })
      const fiber = yield* Effect.fork(runtime.run)
      yield* TestClock.adjust("4 seconds")
      assert.strictEqual(yield* Ref.get(source.fetches), 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* savedNext(store), 10)
      assert.strictEqual(yield* Ref.get(source.fetches), 2)
      assert.isTrue(yield* advanceUntil(Effect.map(savedNext(store), (n) => n === 30)))
      yield* Fiber.interrupt(fiber)
      assert.strictEqual((yield* Ref.get(hub.state)).maxInflight, 1)
    }))

  it.effect("stopping with batches in flight saves up to the first unfinished one, never past it though later ones are done", () =>
    Effect.gen(function*() {
      const { runtime, store } = yield* build({
        hub: [(id) => (id === "25" ? "unavailable" : "accept"), { latency: () => Duration.seconds(1) }],
        source: { total: 50, batchSize: 10 },
        options: { maxInflight: 4, shutdownGrace: Duration.seconds(10) }
      })
      const fiber = yield* Effect.fork(runtime.run)
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.interruptFork(fiber)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.await(fiber)
      assert.strictEqual(yield* savedNext(store), 20)
    }))
})
