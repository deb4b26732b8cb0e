/** How batches reach the hub: IngestBatch calls of up to 100, fetching ahead only where the source allows it. */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Ref, TestClock } from "effect"
import * as MemoryCheckpointStore from "../../layers/CheckpointStore/MemoryCheckpointStore.js"
import { CheckpointSaveFailed, CheckpointStore } from "../../services/CheckpointStore.js"
import { capturingLogs } from "./Fakes.js"
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

  it.effect("checkpoint saves run off the poll loop yet land one at a time, in order", () =>
    Effect.gen(function*() {
      const memory = yield* MemoryCheckpointStore.make()
      const order = yield* Ref.make<ReadonlyArray<number>>([])
      // a slow disk: each save takes 3 s, longer than a batch takes
      const store = CheckpointStore.of({
        location: "slow",
        load: memory.load,
        read: memory.read,
        save: (cursor) =>
          Effect.sleep("3 seconds").pipe(
            Effect.zipRight(Ref.update(order, (o) => [...o, Number(cursor["next"])])),
            Effect.zipRight(memory.save(cursor))
          )
      })
      const { runtime, source } = yield* build({
        hub: [accept, { latency: () => Duration.seconds(1) }],
        source: { total: 40, batchSize: 10, readAhead: false },
        store
      })
      const fiber = yield* Effect.fork(runtime.run)
      // batch 1 is handled at 1 s and its save runs until 4 s; the second fetch does not wait for it
      yield* TestClock.adjust("1500 millis")
      assert.strictEqual(yield* Ref.get(source.fetches), 2)
      assert.isTrue(yield* advanceUntil(Effect.map(savedNext(memory), (n) => n === 40)))
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yield* Ref.get(order), [10, 20, 30, 40])
    }))

  it.effect("a failed save is logged and tried again at the next commit, even of the same cursor", () =>
    Effect.gen(function*() {
      const memory = yield* MemoryCheckpointStore.make()
      const attempts = yield* Ref.make(0)
      const store = CheckpointStore.of({
        location: "flaky",
        load: memory.load,
        read: memory.read,
        save: (cursor) =>
          Effect.flatMap(Ref.getAndUpdate(attempts, (n) => n + 1), (n) =>
            n === 0 ? Effect.fail(new CheckpointSaveFailed({ location: "flaky", message: "disk full" })) : memory.save(cursor))
      })
      const { runtime } = yield* build({ hub: [accept], source: { total: 5, batchSize: 5 }, store })
      const [, logs] = yield* capturingLogs(Effect.gen(function*() {
        const fiber = yield* Effect.fork(runtime.run)
        assert.isTrue(yield* advanceUntil(Effect.map(savedNext(memory), (n) => n === 5)))
        yield* Fiber.interrupt(fiber)
      }))
      assert.strictEqual(yield* Ref.get(attempts), 2)
      assert.isTrue(logs.some((l) => l.level === "ERROR" && l.message.includes("could not save checkpoint flaky")))
      assert.strictEqual((yield* runtime.state.snapshot).counters.checkpoint_saves, 1)
    }))
})
