/**
 * Group commit: single submissions that arrive together are stored with one multi-row insert.
 * A few writer fibers each take whatever is queued (at least one row, at most `maxRows`) and insert
 * it in one statement, so a lone request is written at once and a burst costs one round trip per
 * group instead of one per row. Each caller gets its own outcome: a row the database refuses is
 * answered alone (the store isolates it), and only an unavailable database fails the whole group.
 * A caller waits at most `deadline`, queueing included.
 */
import { Chunk, Clock, Deferred, Duration, Effect, Exit, type Option, Queue, Schedule, type Tracer } from "effect"
import * as IngestSpans from "../../src/tracing/IngestSpans.js"
import {
  type InboxStoreService,
  InboxUnavailable,
  type InsertOutcome,
  type NewInboxRow
} from "../../services/InboxStore.js"

interface Pending {
  readonly row: NewInboxRow
  readonly done: Deferred.Deferred<InsertOutcome, InboxUnavailable>
  /** When the caller queued it (Clock millis), for the deadline sweep. */
  readonly since: number
  /** The caller's span: the group's insert is traced under (or linked to) it. */
  readonly span: Option.Option<Tracer.AnySpan>
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

/**
 * How often callers past their deadline are answered. One sweeping fiber instead of a timer per call
 * (which cost ~100 µs of CPU per submission): a caller waits at most `deadline` + this.
 */
const SWEEP_EVERY = Duration.millis(100)

/** Returns `insert(row)`, which resolves when the row's group is stored; the writers live in the scope. */
export const make = (store: InboxStoreService, options: Options = defaults) =>
  Effect.gen(function*() {
    const queue = yield* Effect.acquireRelease(Queue.unbounded<Pending>(), Queue.shutdown)
    // Every caller not answered yet, queued or in a statement that is running.
    const waiting = new Set<Pending>()
    const deadlineMs = Duration.toMillis(options.deadline)
    const late = new InboxUnavailable({ message: `the database did not store the envelope within ${Duration.format(options.deadline)}` })

    const writeGroup = Effect.gen(function*() {
      const taken = Chunk.toReadonlyArray(yield* Queue.takeBetween(queue, 1, options.maxRows))
      // A caller that timed out was answered 503: its row is not written behind its back.
      const group = yield* Effect.filter(taken, (p) => Effect.negate(Deferred.isDone(p.done)))
      if (group.length === 0) return
      // Exit, not Either: a defect in one insert must reach its callers, not kill the writer.
      const exit = yield* Effect.exit(IngestSpans.withSpan(
        store.insertMany(group.map((p) => p.row)),
        "Ingest.groupCommit",
        IngestSpans.forGroup(group.map((p) => p.span), group.length)
      ))
      yield* Effect.forEach(group, (p, i) => Deferred.done(p.done, Exit.map(exit, (outcomes) => outcomes[i]!)), {
        discard: true
      })
      for (const p of taken) waiting.delete(p)
    })

    /** Answers every caller past its deadline with Unavailable (a late insert is then a duplicate on retry). */
    const sweep = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.forEach([...waiting].filter((p) => now - p.since >= deadlineMs), (p) => {
        waiting.delete(p)
        return Deferred.fail(p.done, late)
      }, { discard: true }))

    yield* Effect.replicateEffect(Effect.forkScoped(Effect.forever(writeGroup)), options.writers)
    yield* Effect.forkScoped(Effect.repeat(sweep, Schedule.spaced(SWEEP_EVERY)))

    return (row: NewInboxRow): Effect.Effect<InsertOutcome, InboxUnavailable> =>
      Effect.flatMap(Effect.all([Deferred.make<InsertOutcome, InboxUnavailable>(), Clock.currentTimeMillis, IngestSpans.callerSpan]), ([done, since, span]) => {
        const pending: Pending = { row, done, since, span }
        waiting.add(pending)
        return Effect.zipRight(
          Queue.offer(queue, pending),
          // An interrupted caller (client gone) is marked done, so a writer that has not taken it skips it.
          Effect.onInterrupt(Deferred.await(done), () => Effect.zipRight(Deferred.fail(done, late), Effect.sync(() => waiting.delete(pending))))
        )
      })
  })
