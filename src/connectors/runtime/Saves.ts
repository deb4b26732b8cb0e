/**
 * Checkpoint saves off the poll loop: the next fetch need not wait for an fsync. Saves still land one at a
 * time and in order (each waits for the one before), and only cursors the runtime committed are saved, so
 * a crash loses at most recent saves: the connector then replays accepted events, which the hub dedupes.
 */
import { DateTime, Effect, Fiber, Option, Ref } from "effect"
import type { CheckpointStoreService } from "../../../services/CheckpointStore.js"
import type { Cursor } from "../../../services/SourceConnector.js"
import type { State } from "./State.js"

const same = (a: Option.Option<Cursor>, b: Cursor) => Option.isSome(a) && JSON.stringify(a.value) === JSON.stringify(b)

export const make = (store: CheckpointStoreService, state: State) =>
  Effect.gen(function*() {
    /** What the store holds. */
    const saved = yield* Ref.make(Option.none<Cursor>())
    /** What the store will hold once the saves in flight end. */
    const requested = yield* Ref.make(Option.none<Cursor>())
    /** The latest save. */
    const last = yield* Ref.make<Fiber.Fiber<void>>(Fiber.void)

    const save = (cursor: Cursor) =>
      store.save(cursor).pipe(
        Effect.flatMap((checkpoint) =>
          Effect.all([
            Ref.set(saved, Option.some(cursor)),
            state.saved(checkpoint),
            Effect.logDebug("saved checkpoint").pipe(Effect.annotateLogs({ cursor: JSON.stringify(cursor) }))
          ], { discard: true })
        ),
        Effect.catchTag("CheckpointSaveFailed", (e) =>
          // the next commit, even of the same cursor, tries again
          Effect.all([
            Effect.flatMap(Ref.get(saved), (s) => Ref.set(requested, s)),
            state.checkpointSaveFailed,
            Effect.logError(`could not save checkpoint ${e.location} (will retry at the next batch): ${e.message}`).pipe(
              Effect.annotateLogs({ degradation: "checkpoint_save_failures" })
            )
          ], { discard: true }))
      )

    return {
      /** The store already holds `cursor` (loaded at start). */
      loaded: (cursor: Cursor) => Effect.zipRight(Ref.set(saved, Option.some(cursor)), Ref.set(requested, Option.some(cursor))),
      /** Saves `cursor` after the saves before it, unless the store holds it or will. */
      request: (cursor: Cursor) =>
        Effect.gen(function*() {
          if (same(yield* Ref.get(requested), cursor)) return
          yield* Ref.set(requested, Option.some(cursor))
          const previous = yield* Ref.get(last)
          yield* Ref.set(last, yield* Effect.forkDaemon(Effect.zipRight(Fiber.await(previous), save(cursor))))
        }).pipe(Effect.uninterruptible),
      /**
       * The hub committed `cursor` with a batch (issue 15): the store holds it now. Callers wait for `flush`
       * first, so no older save can land after it.
       */
      stored: (cursor: Cursor) =>
        Effect.gen(function*() {
          yield* Ref.set(saved, Option.some(cursor))
          yield* Ref.set(requested, Option.some(cursor))
          yield* state.saved({ cursor, updatedAt: yield* DateTime.now })
        }).pipe(Effect.uninterruptible),
      /** Waits until every requested save has ended. */
      flush: Effect.flatMap(Ref.get(last), Fiber.await).pipe(Effect.asVoid)
    }
  })
