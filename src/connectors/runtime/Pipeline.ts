/**
 * Batches being submitted, oldest first. Each batch is submitted by its own daemon fiber (an interrupted
 * poll loop must not cut a batch short: it gets the shutdown grace). The checkpoint moves over a batch only
 * once it and every earlier batch are fully handled, one save per batch; at shutdown it moves over the
 * longest handled prefix, inside the first unfinished batch if need be.
 */
import { Duration, Effect, Fiber, Option, Ref } from "effect"
import type { Cursor, SourceBatch } from "../../../services/SourceConnector.js"
import * as Submit from "./Submit.js"

interface InFlight {
  readonly batch: SourceBatch
  readonly progress: Submit.Progress
  readonly fiber: Fiber.RuntimeFiber<void>
}

const complete = (b: InFlight) => Effect.map(Ref.get(b.progress), (p) => p.prefix === b.batch.items.length)

export const make = (options: {
  /** Moves the position to a cursor and has it saved (never fails: a failed save is logged and retried later). */
  readonly commit: (cursor: Cursor) => Effect.Effect<void>
  /** How long unfinished batches may keep going once the connector is stopped. */
  readonly shutdownGrace: Duration.Duration
}) =>
  Effect.gen(function*() {
    const queue = yield* Ref.make<ReadonlyArray<InFlight>>([])

    /** Starts submitting `batch`; answers how many batches are now in flight. */
    const start = (batch: SourceBatch, submit: (batch: SourceBatch, progress: Submit.Progress) => Effect.Effect<void>) =>
      Effect.gen(function*() {
        const progress = yield* Submit.makeProgress(batch.items.length)
        // interruptible although forked in an uninterruptible region: the shutdown deadline must stop it
        const fiber = yield* Effect.forkDaemon(Effect.interruptible(submit(batch, progress)))
        return yield* Ref.modify(queue, (q) => {
          const next = [...q, { batch, progress, fiber }]
          return [next.length, next]
        })
      }).pipe(Effect.uninterruptible)

    /** Commits every fully handled batch at the head of the queue, in order. */
    const commitReady = Effect.gen(function*() {
      const q = yield* Ref.get(queue)
      const done = yield* Effect.forEach(q, complete)
      const ready = done.indexOf(false) === -1 ? q.length : done.indexOf(false)
      yield* Effect.forEach(q.slice(0, ready), (b) => options.commit(b.batch.next), { discard: true })
      yield* Ref.update(queue, (now) => now.slice(ready))
    }).pipe(Effect.uninterruptible)

    /** Waits for the oldest batch, then commits what is ready. */
    const awaitOldest = Effect.flatMap(Ref.get(queue), ([oldest]) =>
      oldest === undefined ? Effect.void : Effect.zipRight(Fiber.await(oldest.fiber), commitReady))

    /** Waits for every batch in flight, committing each as it completes. */
    const awaitAll = Effect.flatMap(Ref.get(queue), (q) =>
      Effect.forEach(q, (b) => Effect.zipRight(Fiber.await(b.fiber), commitReady), { discard: true }))

    /** On stop: the batches run for at most the grace period, then the longest handled prefix is saved. */
    const finish = Effect.gen(function*() {
      const pending = yield* Ref.get(queue)
      if (pending.length === 0) return
      yield* Effect.logInfo("stopping: finishing the current batch")
      const deadline = yield* Effect.fork(Effect.interruptible(
        Effect.sleep(options.shutdownGrace).pipe(
          Effect.zipRight(Effect.logWarning(
            `batch not finished within ${Duration.format(options.shutdownGrace)}; saving what the hub accepted`
          )),
          Effect.zipRight(Effect.forEach(pending, (b) => Fiber.interrupt(b.fiber), { discard: true }))
        )
      ))
      yield* Effect.forEach(pending, (b) => Fiber.await(b.fiber), { discard: true })
      yield* Fiber.interrupt(deadline)
      yield* commitReady
      const [unfinished] = yield* Ref.get(queue)
      if (unfinished === undefined) return
      const partial = yield* Submit.safeCursor(unfinished.progress, unfinished.batch)
      if (Option.isSome(partial)) yield* options.commit(partial.value)
    }).pipe(Effect.uninterruptible)

    return { start, commitReady, awaitOldest, awaitAll, finish }
  })
