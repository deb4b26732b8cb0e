/**
 * Group commit: single submissions that arrive together are stored with one multi-row insert.
 * A few writer fibers each take whatever is queued (at least one row, at most `maxRows`) and insert
 * it in one statement, so a lone request is written at once and a burst costs one round trip per
 * group instead of one per row. Each caller gets its own outcome: a row the database refuses is
 * answered alone (the store isolates it), and only an unavailable database fails the whole group.
 * A caller waits at most `deadline`, queueing included.
 */
import { Chunk, Deferred, Duration, Effect, Exit, Queue } from "effect"
import {
  type InboxStoreService,
  InboxUnavailable,
  type InsertOutcome,
  type NewInboxRow
} from "../../services/InboxStore.js"

interface Pending {
  readonly row: NewInboxRow
  readonly done: Deferred.Deferred<InsertOutcome, InboxUnavailable>
}

export interface Options {
  /** Writer fibers (concurrent inserts). */
  readonly writers: number
  /** Most rows in one insert. */
  readonly maxRows: number
  /** Longest a caller waits, queueing included; a row whose caller gave up is not written. */
  readonly deadline: Duration.Duration
}

export const defaults: Options = { writers: 4, maxRows: 256, deadline: Duration.seconds(5) }

/** Returns `insert(row)`, which resolves when the row's group is stored; the writers live in the scope. */
export const make = (store: InboxStoreService, options: Options = defaults) =>
  Effect.gen(function*() {
    const queue = yield* Effect.acquireRelease(Queue.unbounded<Pending>(), Queue.shutdown)

    const writeGroup = Effect.gen(function*() {
      const taken = Chunk.toReadonlyArray(yield* Queue.takeBetween(queue, 1, options.maxRows))
      // A caller that timed out was answered 503: its row is not written behind its back.
      const group = yield* Effect.filter(taken, (p) => Effect.negate(Deferred.isDone(p.done)))
      if (group.length === 0) return
      // Exit, not Either: a defect in one insert must reach its callers, not kill the writer.
      const exit = yield* Effect.exit(store.insertMany(group.map((p) => p.row)))
      yield* Effect.forEach(group, (p, i) => Deferred.done(p.done, Exit.map(exit, (outcomes) => outcomes[i]!)), {
        discard: true
      })
    })

    yield* Effect.replicateEffect(Effect.forkScoped(Effect.forever(writeGroup)), options.writers)

    const late = new InboxUnavailable({ message: `the database did not store the envelope within ${Duration.format(options.deadline)}` })

    return (row: NewInboxRow): Effect.Effect<InsertOutcome, InboxUnavailable> =>
      Effect.flatMap(Deferred.make<InsertOutcome, InboxUnavailable>(), (done) =>
        Effect.zipRight(
          Queue.offer(queue, { row, done }),
          Deferred.await(done).pipe(
            Effect.timeoutFail({ duration: options.deadline, onTimeout: () => late }),
            // Mark it done either way (timed out or interrupted), so a writer that has not taken it skips it.
            Effect.ensuring(Deferred.fail(done, late))
          )
        ))
  })
