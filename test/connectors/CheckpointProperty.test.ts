/**
 * The checkpoint never passes an event the hub has not accepted (or refused for good), whatever fails
 * and whenever the connector dies: checked at every single save, across a crash (saves after the crash
 * point are lost, as with kill -9) and a restart from what was saved. With or without read-ahead; without
 * it (Telegram, whose fetch offset confirms updates), no fetch starts past an unsettled event either.
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, FastCheck as fc, Fiber, Option, Ref, TestClock } from "effect"
import * as MemoryCheckpointStore from "../../layers/CheckpointStore/MemoryCheckpointStore.js"
import { CheckpointStore } from "../../services/CheckpointStore.js"
import { SourceTransient } from "../../services/SourceConnector.js"
import type { HubState, Verdict } from "./Fakes.js"
import { advanceUntil, build, savedNext } from "./Harness.js"

const verdict = fc.constantFrom<Verdict>("accept", "reject", "unavailable", "unauthorized")

const scenario = fc.record({
  total: fc.integer({ min: 1, max: 30 }),
  batchSize: fc.integer({ min: 1, max: 8 }),
  maxInflight: fc.integer({ min: 1, max: 6 }),
  plans: fc.array(fc.array(verdict, { maxLength: 3 }), { maxLength: 30 }),
  fetchFailures: fc.array(fc.boolean(), { maxLength: 6 }),
  crashAfterCalls: fc.integer({ min: 0, max: 50 }),
  readAhead: fc.boolean()
})

/** Every event before `next` is settled at the hub: stored, or rejected for good. */
const settledBefore = (hub: HubState, next: number) =>
  Array.from({ length: next }, (_, i) => String(i)).every((id) => hub.accepted.has(id) || hub.rejected.has(id))

describe("checkpoint safety", () => {
  it.effect.prop("the saved checkpoint never passes an unaccepted event, across a crash at any point", [scenario], ([s]) =>
    Effect.gen(function*() {
      const memory = yield* MemoryCheckpointStore.make()
      const crashed = yield* Ref.make(false)
      const violations = yield* Ref.make<ReadonlyArray<string>>([])
      const hubState = yield* Ref.make<Option.Option<Ref.Ref<HubState>>>(Option.none())
      /** A store that checks the invariant on every save and, once "crashed", loses saves like a killed process. */
      const store = CheckpointStore.of({
        location: "memory",
        load: memory.load,
        read: memory.read,
        save: (cursor) =>
          Effect.gen(function*() {
            const next = Number(cursor["next"])
            const hub = yield* Ref.get(hubState)
            if (Option.isSome(hub) && !settledBefore(yield* Ref.get(hub.value), next)) {
              yield* Ref.update(violations, (v) => [...v, `saved next=${next} before every earlier event was accepted`])
            }
            if (yield* Ref.get(crashed)) return { cursor, updatedAt: yield* DateTime.now }
            return yield* memory.save(cursor)
          })
      })
      const hubArgs = [(id: string, attempt: number) => s.plans[Number(id)]?.[attempt] ?? "accept"] as const
      /** Without read-ahead, the position a fetch starts from is what the source takes as consumed. */
      const observeFetch = (from: number) =>
        Effect.gen(function*() {
          const hub = yield* Ref.get(hubState)
          if (!s.readAhead && Option.isSome(hub) && !settledBefore(yield* Ref.get(hub.value), from)) {
            yield* Ref.update(violations, (v) => [...v, `fetched from ${from} before every earlier event was accepted`])
          }
        })
      const source = {
        total: s.total,
        batchSize: s.batchSize,
        readAhead: s.readAhead,
        observeFetch,
        failure: (n: number) => (s.fetchFailures[n] === true ? Option.some(new SourceTransient({ message: "reset" })) : Option.none())
      }
      const first = yield* build({ hub: [...hubArgs], source, options: { maxInflight: s.maxInflight }, store })
      yield* Ref.set(hubState, Option.some(first.hub.state))
      const fiber = yield* Effect.fork(first.runtime.run)
      yield* advanceUntil(Effect.gen(function*() {
        const calls = (yield* Ref.get(first.hub.state)).calls
        return calls >= s.crashAfterCalls || (yield* savedNext(memory)) === s.total
      }))
      yield* Ref.set(crashed, true)
      yield* Fiber.interruptFork(fiber)
      yield* TestClock.adjust("2 minutes")
      yield* Fiber.await(fiber)
      yield* Ref.set(crashed, false)

      // Restart against the same hub (its inbox persists) from whatever survived the crash.
      const restarted = yield* build({ hub: [...hubArgs], source, options: { maxInflight: s.maxInflight }, store })
      const carried = yield* Ref.get(first.hub.state)
      yield* Ref.set(restarted.hub.state, { ...carried, calls: 0 })
      yield* Ref.set(hubState, Option.some(restarted.hub.state))
      const second = yield* Effect.fork(restarted.runtime.run)
      assert.isTrue(yield* advanceUntil(Effect.map(savedNext(memory), (n) => n === s.total), "5 seconds"))
      yield* Fiber.interrupt(second)

      assert.deepStrictEqual(yield* Ref.get(violations), [])
      const final = yield* Ref.get(restarted.hub.state)
      assert.isTrue(settledBefore(final, s.total), "every event stored or dead-lettered")
    }), { fastCheck: { numRuns: 60 } })
})
