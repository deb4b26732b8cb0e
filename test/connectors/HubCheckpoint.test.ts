/**
 * The runtime with the checkpoint in the hub (issue 15): every IngestBatch carries the cursor after its
 * events, calls go one at a time in order, a range of skipped events moves the cursor with an empty batch,
 * a restart resumes exactly at the last committed cursor, and a batch refused whole falls back to a commit
 * of its own.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option, Ref } from "effect"
import * as HubCheckpointStore from "../../layers/CheckpointStore/HubCheckpointStore.js"
import * as MemoryDeadLetters from "../../layers/ConnectorDeadLetters/MemoryDeadLetters.js"
import { CheckpointStore } from "../../services/CheckpointStore.js"
import { ConnectorDeadLetters } from "../../services/ConnectorDeadLetters.js"
import { SourceConnector } from "../../services/SourceConnector.js"
import { SwitchboardClient } from "../../services/SwitchboardClient.js"
import * as Runtime from "../../src/connectors/runtime/Runtime.js"
import type { CheckpointKey } from "../../src/domain/Checkpoint.js"
import { makeHub, makeSource, runtimeOptions } from "./Fakes.js"
import { advanceUntil } from "./Harness.js"

const KEY: CheckpointKey = { connector_type: "sandbox", source: { channel: "sandbox", provider: "sandbox", endpoint_identity: "hub-cp" } }

const setup = (hub: Effect.Effect.Success<ReturnType<typeof makeHub>>, source: Parameters<typeof makeSource>[0]) =>
  Effect.gen(function*() {
    const fake = yield* makeSource(source)
    const store = yield* HubCheckpointStore.make(KEY).pipe(Effect.provideService(SwitchboardClient, hub.client))
    const letters = yield* MemoryDeadLetters.make
    const runtime = yield* Runtime.make({ ...runtimeOptions, maxInflight: 4 }).pipe(
      Effect.provideService(SourceConnector, fake.connector),
      Effect.provideService(SwitchboardClient, hub.client),
      Effect.provideService(CheckpointStore, store),
      Effect.provideService(ConnectorDeadLetters, letters)
    )
    return { runtime, store, source: fake }
  })

const hubNext = (hub: Effect.Effect.Success<ReturnType<typeof makeHub>>) =>
  Effect.map(Ref.get(hub.state), (s) => Number(s.checkpoints.get("sandbox hub-cp")?.["next"] ?? -1))

describe("connector runtime with the checkpoint in the hub", () => {
  it.effect("each batch commits its cursor with its events, in order, one call at a time; skipped ranges commit alone", () =>
    Effect.gen(function*() {
      const hub = yield* makeHub(() => "accept")
      // 250 events in batches of 120: ranges of at most 100 events, each with the cursor after it; 200–249 skipped,
      // so the second batch's one range carries 80 events and the third's none.
      const { runtime } = yield* setup(hub, { total: 250, batchSize: 120, skip: (n) => n >= 200 })
      const fiber = yield* Effect.fork(runtime.run)
      assert.isTrue(yield* advanceUntil(Effect.map(hubNext(hub), (n) => n === 250)))
      yield* Fiber.interrupt(fiber)
      const state = yield* Ref.get(hub.state)
      assert.strictEqual(state.maxInflight, 1)
      // Every commit moved forward and came with the events it moves past.
      const nexts = state.commits.map((c) => Number(c.cursor["next"]))
      assert.deepStrictEqual(nexts, [...nexts].sort((a, b) => a - b))
      assert.deepStrictEqual(state.commits.map((c) => [Number(c.cursor["next"]), c.envelopes]), [
        [100, 100], [120, 20], [240, 80], [250, 0]
      ])
      assert.strictEqual(state.accepted.size, 200)
      for (const n of state.accepted.values()) assert.strictEqual(n, 1)
    }))

  it.effect("a restart resumes exactly at the hub's cursor: no event is submitted twice", () =>
    Effect.gen(function*() {
      const hub = yield* makeHub(() => "accept")
      const first = yield* setup(hub, { total: 300, batchSize: 100 })
      const one = yield* Effect.fork(first.runtime.run)
      assert.isTrue(yield* advanceUntil(Effect.map(hubNext(hub), (n) => n >= 100)))
      yield* Fiber.interrupt(one)
      const stoppedAt = yield* hubNext(hub)
      const second = yield* setup(hub, { total: 300, batchSize: 100 })
      const two = yield* Effect.fork(second.runtime.run)
      assert.isTrue(yield* advanceUntil(Effect.map(hubNext(hub), (n) => n === 300)))
      yield* Fiber.interrupt(two)
      const state = yield* Ref.get(hub.state)
      assert.isTrue(stoppedAt >= 100)
      assert.strictEqual(state.accepted.size, 300)
      for (const [id, n] of state.accepted) assert.strictEqual(n, 1, `event ${id}`)
      assert.deepStrictEqual(Option.map(yield* second.store.load, (c) => c.cursor), Option.some({ next: 300 }))
    }))

  it.effect("a rejected event is dead-lettered and the cursor still moves past it with its batch", () =>
    Effect.gen(function*() {
      const hub = yield* makeHub((id) => (id === "7" ? "reject" : "accept"))
      const { runtime } = yield* setup(hub, { total: 10, batchSize: 10 })
      const fiber = yield* Effect.fork(runtime.run)
      assert.isTrue(yield* advanceUntil(Effect.map(hubNext(hub), (n) => n === 10)))
      yield* Fiber.interrupt(fiber)
      const snapshot = yield* runtime.state.snapshot
      assert.strictEqual(snapshot.counters.messages_failed, 1)
      assert.strictEqual(snapshot.counters.messages_ingested, 9)
      assert.deepStrictEqual((yield* Ref.get(hub.state)).commits.map((c) => [Number(c.cursor["next"]), c.envelopes]), [[10, 10]])
    }))
})
