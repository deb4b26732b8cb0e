/**
 * Group commit: single submissions that arrive together are stored with one multi-row insert.
 * A few writer fibers each take whatever is queued (at least one row, at most `maxRows`) and insert
 * it in one statement, so a lone request is written at once and a burst costs one round trip per
 * group instead of one per row. Each caller still gets its own outcome (or the group's failure).
 */
import { Chunk, Deferred, Effect, Exit, Queue } from "effect"
import type { InboxStoreService, InboxUnavailable, InsertOutcome, NewInboxRow } from "../../services/InboxStore.js"

interface Pending {
  readonly row: NewInboxRow
  readonly done: Deferred.Deferred<InsertOutcome, InboxUnavailable>
}

export interface Options {
  /** Writer fibers (concurrent inserts). */
  readonly writers: number
  /** Most rows in one insert. */
  readonly maxRows: number
}

export const defaults: Options = { writers: 4, maxRows: 256 }

/** Returns `insert(row)`, which resolves when the row's group is stored; the writers live in the scope. */
export const make = (store: InboxStoreService, options: Options = defaults) =>
  Effect.gen(function*() {
    const queue = yield* Effect.acquireRelease(Queue.unbounded<Pending>(), Queue.shutdown)

    const writeGroup = Effect.gen(function*() {
      const group = Chunk.toReadonlyArray(yield* Queue.takeBetween(queue, 1, options.maxRows))
      // Exit, not Either: a defect in one insert must reach its callers, not kill the writer.
      const exit = yield* Effect.exit(store.insertMany(group.map((p) => p.row)))
      yield* Effect.forEach(group, (p, i) => Deferred.done(p.done, Exit.map(exit, (outcomes) => outcomes[i]!)), {
        discard: true
      })
    })

    yield* Effect.replicateEffect(Effect.forkScoped(Effect.forever(writeGroup)), options.writers)

    return (row: NewInboxRow): Effect.Effect<InsertOutcome, InboxUnavailable> =>
      Effect.flatMap(Deferred.make<InsertOutcome, InboxUnavailable>(), (done) =>
        Effect.zipRight(Queue.offer(queue, { row, done }), Deferred.await(done)))
  })
