/** Builds the real runtime over the fakes of Fakes.ts and in-memory stores, and drives it with TestClock. */
import { Duration, Effect, Fiber, Option, TestClock } from "effect"
import * as MemoryCheckpointStore from "../../layers/CheckpointStore/MemoryCheckpointStore.js"
import * as MemoryDeadLetters from "../../layers/ConnectorDeadLetters/MemoryDeadLetters.js"
import { CheckpointStore, type CheckpointStoreService } from "../../services/CheckpointStore.js"
import { ConnectorDeadLetters } from "../../services/ConnectorDeadLetters.js"
import { SourceConnector } from "../../services/SourceConnector.js"
import { SwitchboardClient } from "../../services/SwitchboardClient.js"
import * as Runtime from "../../src/connectors/runtime/Runtime.js"
import { makeHub, makeSource, runtimeOptions } from "./Fakes.js"

type HubArgs = Parameters<typeof makeHub>
type SourceArgs = Parameters<typeof makeSource>[0]

export const build = (args: {
  readonly hub: HubArgs
  readonly source: SourceArgs
  readonly options?: Partial<Runtime.Options>
  readonly store?: CheckpointStoreService
}) =>
  Effect.gen(function*() {
    const hub = yield* makeHub(...args.hub)
    const source = yield* makeSource(args.source)
    const store = args.store ?? (yield* MemoryCheckpointStore.make())
    const letters = yield* MemoryDeadLetters.make
    const runtime = yield* Runtime.make({ ...runtimeOptions, ...args.options }).pipe(
      Effect.provideService(SourceConnector, source.connector),
      Effect.provideService(SwitchboardClient, hub.client),
      Effect.provideService(CheckpointStore, store),
      Effect.provideService(ConnectorDeadLetters, letters)
    )
    return { hub, source, store, letters, runtime }
  })

/** The saved cursor's `next`, or -1 when nothing is saved. */
export const savedNext = (store: CheckpointStoreService) =>
  Effect.map(store.load, (o) => Option.match(o, { onNone: () => -1, onSome: (c) => Number(c.cursor["next"]) }))

/** Advances the TestClock in steps until `done` holds (at most `limit` steps). */
export const advanceUntil = (done: Effect.Effect<boolean>, step: Duration.DurationInput = "1 second", limit = 2_000) =>
  done.pipe(
    Effect.tap((finished) => (finished ? Effect.void : TestClock.adjust(step))),
    Effect.repeat({ until: (finished) => finished, times: limit })
  )

/** Interrupts like SIGTERM (without blocking the clock), lets `grace` pass, and waits for the end. */
export const stop = <A, E>(fiber: Fiber.RuntimeFiber<A, E>, grace: Duration.DurationInput = Duration.zero) =>
  Effect.gen(function*() {
    yield* Fiber.interruptFork(fiber)
    yield* TestClock.adjust(grace)
    return yield* Fiber.await(fiber)
  })

