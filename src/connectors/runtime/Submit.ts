/**
 * Submits batches of source items to the hub: IngestBatch calls of up to SUBMIT_CHUNK envelopes, at most
 * `maxInflight` calls in flight across every batch, hub outages retried forever (Retry-After honoured),
 * refused events dead-lettered and counted. Progress records which items are handled; the cursor that is
 * safe to save is the one after the longest handled prefix.
 */
import { Chunk, DateTime, Effect, Either, Option, Ref } from "effect"
import * as Policies from "../../policies.js"
import { ConnectorDeadLetters } from "../../../services/ConnectorDeadLetters.js"
import type { Cursor, SourceBatch, SourceItem } from "../../../services/SourceConnector.js"
import {
  type BatchItemOutcome,
  type IngestRejected,
  type IngestUnauthorized,
  type IngestUnavailable,
  SwitchboardClient
} from "../../../services/SwitchboardClient.js"
import type { CheckpointInput } from "../../domain/Checkpoint.js"
import type { IngestEnvelopeInput } from "../../domain/Envelope.js"
import type { State } from "./State.js"

interface ProgressState {
  readonly done: ReadonlyArray<boolean>
  /** How many leading items are handled. */
  readonly prefix: number
}

/** Which items of a batch are handled (accepted, duplicate, dead-lettered or skipped). */
export const makeProgress = (size: number) => Ref.make<ProgressState>({ done: Array.from({ length: size }, () => false), prefix: 0 })
export type Progress = Ref.Ref<ProgressState>

const markDone = (progress: Progress, indices: ReadonlyArray<number>) =>
  Ref.update(progress, ({ done }) => {
    const next = [...done]
    for (const i of indices) next[i] = true
    let prefix = 0
    while (prefix < next.length && next[prefix] === true) prefix++
    return { done: next, prefix }
  })

/** The cursor that may be saved now: the batch's `next` once all is handled, else the last handled item's. */
export const safeCursor = (progress: Progress, batch: SourceBatch): Effect.Effect<Option.Option<Cursor>> =>
  Effect.map(Ref.get(progress), ({ prefix }) =>
    prefix === batch.items.length
      ? Option.some(batch.next)
      : prefix === 0
      ? Option.none()
      : Option.fromNullable(batch.items[prefix - 1]?.cursor))

/**
 * Envelopes per IngestBatch call (the hub takes up to 500). One call per 100-update Telegram batch: one
 * hub transaction instead of several small ones is what the throughput of a batch depends on.
 */
export const SUBMIT_CHUNK = 100

interface Pending {
  readonly index: number
  readonly envelope: IngestEnvelopeInput
}

/**
 * The hub holds the checkpoint (issue 15): each IngestBatch carries the cursor after its last item, so the
 * cursor is committed in the batch's transaction; calls go one at a time, in order.
 */
export interface WithBatches {
  /** The checkpoint to send with the call that handles every item before `cursor`. */
  readonly withBatch: (cursor: Cursor) => CheckpointInput
  /** Waits for checkpoint saves still in flight (an older save must not land after a newer commit). */
  readonly flush: Effect.Effect<void>
  /** The hub holds `cursor` now. */
  readonly stored: (cursor: Cursor) => Effect.Effect<void>
}

/** Who submits: identifies dead letters and log lines. */
export interface Submitter {
  readonly connectorType: string
  readonly endpointIdentity: string
  readonly maxInflight: number
  readonly state: State
  /** Set when the hub holds the checkpoint. */
  readonly withBatches?: WithBatches | undefined
}

const eventId = (envelope: IngestEnvelopeInput) => envelope.event?.external_event_id ?? "(none)"

export const make = (who: Submitter) =>
  Effect.gen(function*() {
    const client = yield* SwitchboardClient
    const deadLetters = yield* ConnectorDeadLetters
    const { state } = who
    /** One permit per submission in flight, shared by every batch and pushed update. */
    const inflight = yield* Effect.makeSemaphore(who.maxInflight)

    /** Refusals come back as Left; an outage or a refused token is logged and retried under `ingestRetry`, forever. */
    const persistently = <A>(call: Effect.Effect<A, IngestRejected | IngestUnavailable | IngestUnauthorized>) =>
      call.pipe(
        Effect.map(Either.right),
        Effect.catchTag("IngestRejected", (r) => Effect.succeed(Either.left(r))),
        Effect.tapError((e) =>
          Effect.zipRight(
            state.failure(e),
            Effect.logWarning(`hub did not take the submission, retrying: ${e.message}`).pipe(
              Effect.annotateLogs({ error: e._tag })
            )
          )
        ),
        Effect.retry(Policies.ingestRetry),
        Effect.orDie // ingestRetry recurs forever: nothing is left in the error channel
      )

    const deadLetter = (envelope: IngestEnvelopeInput, rejection: IngestRejected) =>
      Effect.gen(function*() {
        yield* state.failed
        yield* Effect.logWarning(`hub rejected event ${eventId(envelope)}: ${rejection.reason}; written to dead letters`).pipe(
          Effect.annotateLogs({ reason: rejection.reason, dead_letters: deadLetters.location, degradation: "dead_lettered" })
        )
        const now = yield* DateTime.now
        yield* deadLetters.write({
          connector_type: who.connectorType,
          endpoint_identity: who.endpointIdentity,
          rejected_at: DateTime.formatIso(now),
          reason: rejection.reason,
          message: rejection.message,
          issues: rejection.issues,
          envelope
        }).pipe(
          Effect.zipRight(state.deadLettered),
          Effect.catchTag("DeadLetterWriteFailed", (e) =>
            Effect.logError(`could not write dead letter for event ${eventId(envelope)} to ${e.location}: ${e.message}`))
        )
      })

    const settle = (pending: Pending, outcome: BatchItemOutcome) =>
      "status" in outcome
        ? Effect.zipRight(
          state.accepted(outcome.duplicate),
          Effect.logDebug(`submitted event ${eventId(pending.envelope)}`).pipe(
            Effect.annotateLogs({ request_id: outcome.request_id, duplicate: outcome.duplicate })
          )
        )
        : deadLetter(pending.envelope, outcome)

    const submitOne = (pending: Pending) =>
      persistently(client.ingest(pending.envelope)).pipe(
        Effect.flatMap((result) => settle(pending, Either.merge(result)))
      )

    /** A chunk as one IngestBatch; a chunk refused as a whole is retried one event at a time. */
    const submitChunk = (chunk: ReadonlyArray<Pending>) =>
      chunk.length === 1 && chunk[0] !== undefined
        ? submitOne(chunk[0])
        : persistently(client.ingestBatch(chunk.map((p) => p.envelope))).pipe(
          Effect.flatMap((result) =>
            Either.isLeft(result)
              ? Effect.forEach(chunk, submitOne, { discard: true })
              : Effect.forEach(chunk, (pending, i) => {
                const outcome = result.right[i]
                return outcome === undefined ? submitOne(pending) : settle(pending, outcome)
              }, { discard: true })
          )
        )

    /** Counts and logs (once each, with the reason) the attachments an event lost. */
    const countDegradations = (item: Extract<SourceItem, { _tag: "Event" }>) =>
      Effect.forEach(item.degradations, (d) =>
        Effect.zipRight(
          state.degraded(d.reason),
          Effect.logWarning(`event ${eventId(item.envelope)} ingested without an attachment: ${d.message}`).pipe(
            Effect.annotateLogs({ reason: d.reason, degradation: "attachments_skipped" })
          )
        ), { discard: true })

    /** Handles every item of `batch`, marking progress as chunks complete. */
    const submitAll = (batch: SourceBatch, progress: Progress) =>
      Effect.gen(function*() {
        const pending: Array<Pending> = []
        const handledNow: Array<number> = []
        for (const [index, item] of batch.items.entries()) {
          if (item._tag === "Skip") {
            yield* state.skipped(item.reason)
            yield* Effect.logInfo(`skipped a source event: ${item.reason}`).pipe(Effect.annotateLogs({ reason: item.reason }))
            handledNow.push(index)
          } else {
            yield* countDegradations(item)
            pending.push({ index, envelope: item.envelope })
          }
        }
        yield* markDone(progress, handledNow)
        const chunks = Chunk.toReadonlyArray(Chunk.chunksOf(Chunk.fromIterable(pending), SUBMIT_CHUNK))
        yield* Effect.forEach(
          chunks,
          (chunk) =>
            inflight.withPermits(1)(submitChunk(Chunk.toReadonlyArray(chunk))).pipe(
              Effect.zipRight(state.success),
              Effect.zipRight(markDone(progress, Chunk.toReadonlyArray(chunk).map((p) => p.index)))
            ),
          { concurrency: who.maxInflight, discard: true }
        )
      })

    /**
     * Hub-held checkpoint: the batch in ranges of up to SUBMIT_CHUNK events (skipped items ride along), one
     * IngestBatch at a time, each committing the cursor after its range. A range refused as a whole is
     * submitted one event at a time without a checkpoint: the runtime then saves the cursor on its own.
     */
    const submitInOrder = (hub: WithBatches) => (batch: SourceBatch, progress: Progress) =>
      Effect.gen(function*() {
        const ranges: Array<{ readonly pending: ReadonlyArray<Pending>; readonly indices: ReadonlyArray<number>; readonly end: number }> = []
        let pending: Array<Pending> = []
        let indices: Array<number> = []
        for (const [index, item] of batch.items.entries()) {
          if (item._tag === "Skip") {
            yield* state.skipped(item.reason)
            yield* Effect.logInfo(`skipped a source event: ${item.reason}`).pipe(Effect.annotateLogs({ reason: item.reason }))
          } else {
            yield* countDegradations(item)
            pending.push({ index, envelope: item.envelope })
          }
          indices.push(index)
          if (pending.length === SUBMIT_CHUNK || index === batch.items.length - 1) {
            ranges.push({ pending, indices, end: index + 1 })
            pending = []
            indices = []
          }
        }
        yield* Effect.forEach(ranges, (range) =>
          Effect.gen(function*() {
            const cursor = range.end === batch.items.length ? batch.next : batch.items[range.end - 1]!.cursor
            yield* hub.flush
            const result = yield* persistently(client.ingestBatch(range.pending.map((p) => p.envelope), hub.withBatch(cursor)))
            if (Either.isLeft(result)) {
              yield* Effect.forEach(range.pending, submitOne, { discard: true })
            } else {
              yield* hub.stored(cursor)
              yield* Effect.forEach(range.pending, (p, i) => {
                const outcome = result.right[i]
                return outcome === undefined ? submitOne(p) : settle(p, outcome)
              }, { discard: true })
            }
            yield* state.success
            yield* markDone(progress, range.indices)
          }), { discard: true })
      })

    /** A single item (pushed update) submitted with a bounded retry: the source redelivers on failure. */
    const submitPushed = (item: SourceItem) =>
      item._tag === "Skip"
        ? Effect.zipRight(state.skipped(item.reason), Effect.logInfo(`skipped a pushed event: ${item.reason}`))
        : Effect.zipRight(
          countDegradations(item),
          client.ingest(item.envelope).pipe(
            Effect.map(Either.right),
            Effect.catchTag("IngestRejected", (r) => Effect.succeed(Either.left(r))),
            Effect.tapError(state.failure),
            Effect.retry(Policies.pushRetry),
            inflight.withPermits(1),
            Effect.map((result): BatchItemOutcome => Either.merge(result)),
            Effect.tap((outcome) => settle({ index: 0, envelope: item.envelope }, outcome)),
            Effect.tap(() => state.success)
          )
        )

    return { submitAll: who.withBatches === undefined ? submitAll : submitInOrder(who.withBatches), submitPushed }
  })
