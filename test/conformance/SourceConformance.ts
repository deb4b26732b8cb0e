/**
 * The Source part of the conformance suite: the same source data gives the same dedupe identity on
 * every fetch (so a replay after a crash dedupes), and the real connector runtime saves a checkpoint
 * only after the hub accepted what it covers (a refusing hub leaves none, also across a shutdown).
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Ref, Schedule, type Scope } from "effect"
import * as MemoryCheckpointStore from "../../layers/CheckpointStore/MemoryCheckpointStore.js"
import * as MemoryDeadLetters from "../../layers/ConnectorDeadLetters/MemoryDeadLetters.js"
import { CheckpointStore } from "../../services/CheckpointStore.js"
import { ConnectorDeadLetters } from "../../services/ConnectorDeadLetters.js"
import { type Cursor, type SourceBatch, SourceConnector } from "../../services/SourceConnector.js"
import { SwitchboardClient } from "../../services/SwitchboardClient.js"
import * as Runtime from "../../src/connectors/runtime/Runtime.js"
import { advanceUntil } from "../connectors/Harness.js"
import { makeHub, runtimeOptions, type Verdict } from "../connectors/Fakes.js"

/** Source data that holds at least one event after `from`, and fresh connectors over that same data. */
export interface SourceData {
  /** A fresh Source face over the data. */
  readonly connector: Effect.Effect<typeof SourceConnector.Service, unknown, Scope.Scope>
  /** Where a fetch starts so that it sees the events (None: the beginning). */
  readonly from: Option.Option<Cursor>
}

export interface SourceHarness {
  /** Sets up the source data for one test (a fake server, a mailbox) in the test's scope. */
  readonly data: Effect.Effect<SourceData, unknown, Scope.Scope>
  /** `test`: it runs under TestClock (the harness advances it as its data needs); `live`: real time and sockets. */
  readonly clock: "test" | "live"
}

/** The dedupe identity of every event of a batch: its external id and idempotency key. */
const identities = (batch: SourceBatch) =>
  batch.items.flatMap((item) =>
    item._tag === "Event" ? [[item.envelope.event.external_event_id ?? null, item.envelope.control?.idempotency_key ?? null] as const] : []
  )

export const sourceSuite = (harness: SourceHarness) => {
  const test = harness.clock === "live" ? it.live : it.effect
  /** Waits for `done`: TestClock steps, or real 20 ms polls (bounded either way). */
  const until = (done: Effect.Effect<boolean>) =>
    harness.clock === "live"
      ? done.pipe(
        Effect.repeat({ until: (d) => d, schedule: Schedule.spaced("20 millis").pipe(Schedule.intersect(Schedule.recurs(1_500))) }),
        Effect.zipRight(done)
      )
      : advanceUntil(done, "1 second", 600)

  const runtimeWith = (verdict: (id: string, attempt: number) => Verdict) =>
    Effect.gen(function*() {
      const data = yield* harness.data
      const connector = yield* data.connector
      const hub = yield* makeHub(verdict)
      const store = yield* MemoryCheckpointStore.make()
      // The runtime starts where the data's events start; what it saves must be beyond that.
      if (Option.isSome(data.from)) yield* store.save(data.from.value)
      const initial = yield* store.load
      const runtime = yield* Runtime.make({ ...runtimeOptions, shutdownGrace: Duration.zero }).pipe(
        Effect.provideService(SourceConnector, connector),
        Effect.provideService(SwitchboardClient, hub.client),
        Effect.provideService(CheckpointStore, store),
        Effect.provideService(ConnectorDeadLetters, yield* MemoryDeadLetters.make)
      )
      const start = Option.map(initial, (c) => JSON.stringify(c.cursor))
      /** Whether the checkpoint moved past where the data starts. */
      const saved = Effect.map(store.load, (o) => Option.isSome(o) && !Option.contains(start, JSON.stringify(o.value.cursor)))
      return { hub, store, saved, fiber: yield* Effect.fork(runtime.run) }
    })

  describe("source", () => {
    test("dedupe stability: the same source data gives the same external ids and idempotency keys on every fetch", () =>
      Effect.gen(function*() {
        const data = yield* harness.data
        const first = yield* data.connector
        const a = yield* first.fetch(data.from)
        const b = yield* first.fetch(data.from)
        const c = yield* (yield* data.connector).fetch(data.from)
        const ids = identities(a)
        assert.isAbove(ids.length, 0, "the harness must give source data with at least one event")
        for (const [external, key] of ids) assert.isTrue(external !== null || key !== null, "an event needs an external id or an idempotency key")
        assert.deepStrictEqual(identities(b), ids, "a second fetch of the same data")
        assert.deepStrictEqual(identities(c), ids, "a fresh connector over the same data")
      }).pipe(Effect.scoped))

    test("checkpoint after acceptance: a hub that refuses every event leaves no checkpoint, also after shutdown", () =>
      Effect.gen(function*() {
        const { fiber, hub, saved } = yield* runtimeWith(() => "unavailable")
        assert.isTrue(yield* until(Effect.map(Ref.get(hub.state), (s) => s.calls >= 1)), "the runtime never submitted")
        assert.isFalse(yield* saved, "no checkpoint while the hub refuses")
        yield* Fiber.interrupt(fiber)
        assert.isFalse(yield* saved, "no checkpoint saved at shutdown either")
      }).pipe(Effect.scoped))

    test("checkpoint after acceptance: once the hub accepts, the checkpoint is saved, covering accepted events only", () =>
      Effect.gen(function*() {
        const { fiber, hub, saved } = yield* runtimeWith(() => "accept")
        assert.isTrue(yield* until(saved), "no checkpoint saved after acceptance")
        const accepted = (yield* Ref.get(hub.state)).accepted
        assert.isAbove(accepted.size, 0)
        yield* Fiber.interrupt(fiber)
      }).pipe(Effect.scoped))
  })
}
