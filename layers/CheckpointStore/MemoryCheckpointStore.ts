/** The checkpoint in memory (tests, and connectors whose position needs no persistence). */
import { DateTime, Effect, Layer, Option, Ref } from "effect"
import { type Checkpoint, type CheckpointRead, CheckpointStore } from "../../services/CheckpointStore.js"
import type { Cursor } from "../../services/SourceConnector.js"

/** A store, optionally holding a checkpoint already. */
export const make = (initial: Option.Option<Cursor> = Option.none()) =>
  Effect.gen(function*() {
    const now = yield* DateTime.now
    const ref = yield* Ref.make(Option.map(initial, (cursor): Checkpoint => ({ cursor, updatedAt: now })))
    return CheckpointStore.of({
      location: "memory",
      load: Ref.get(ref),
      read: Effect.map(Ref.get(ref), Option.match({
        onNone: (): CheckpointRead => ({ _tag: "Missing" }),
        onSome: (checkpoint): CheckpointRead => ({ _tag: "Found", checkpoint })
      })),
      save: (cursor) =>
        Effect.flatMap(DateTime.now, (updatedAt) => {
          const checkpoint: Checkpoint = { cursor: structuredClone(cursor), updatedAt }
          return Effect.as(Ref.set(ref, Option.some(checkpoint)), checkpoint)
        })
    })
  })

export const layer = (initial: Option.Option<Cursor> = Option.none()) => Layer.effect(CheckpointStore, make(initial))
