/**
 * Group commit for counting successful calls: callers that arrive together are written by one
 * statement. Writer fibers take whatever is queued (at least one, at most MAX_GROUP) and run `write`
 * once for the group; each caller resumes when its group is stored (so a usage read right after a call
 * sees it), and a failed write fails every caller of that group.
 */
import { Chunk, Deferred, Effect, Queue } from "effect"

const MAX_GROUP = 256
const WRITERS = 2

interface Pending<A, E> {
  readonly item: A
  readonly done: Deferred.Deferred<void, E>
}

/** Returns `add(item)`; the writers live in the caller's scope. */
export const make = <A, E>(write: (group: ReadonlyArray<A>) => Effect.Effect<void, E>) =>
  Effect.gen(function*() {
    const queue = yield* Effect.acquireRelease(Queue.unbounded<Pending<A, E>>(), Queue.shutdown)

    const writeGroup = Effect.gen(function*() {
      const group = Chunk.toReadonlyArray(yield* Queue.takeBetween(queue, 1, MAX_GROUP))
      // Exit, not Either: a defect in the write must reach its callers, not kill the writer.
      const exit = yield* Effect.exit(write(group.map((p) => p.item)))
      yield* Effect.forEach(group, (p) => Deferred.done(p.done, exit), { discard: true })
    })
    yield* Effect.replicateEffect(Effect.forkScoped(Effect.forever(writeGroup)), WRITERS)

    return (item: A): Effect.Effect<void, E> =>
      Effect.flatMap(Deferred.make<void, E>(), (done) =>
        Effect.zipRight(Queue.offer(queue, { item, done }), Deferred.await(done)))
  })

