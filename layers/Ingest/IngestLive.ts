/**
 * The ingest use case: authorize, validate, compute the dedupe key, and store the inbox row.
 * Exactly-once comes from the store's unique dedupe key; this layer never checks before inserting.
 * Every verdict is counted per source (SourceCounts, in memory): accepted or duplicate under the validated
 * source, rejected (role, validation, scope, refused by the database) under the source the input claims,
 * read with the Source schema, or "(unparsed)". Overloaded / Unavailable are no verdict and are not counted:
 * the sender retries and the retry is.
 */
import { Clock, type Duration, Effect, Either, Layer, Option } from "effect"
import { type IngestEnvelopeV1, MAX_ENVELOPE_BYTES } from "../../src/domain/Envelope.js"
import { Forbidden, Overloaded, Unavailable, ValidationError } from "../../src/domain/Errors.js"
import {
  type BatchAnswer,
  type BatchItemResult,
  type IngestAnswer,
  MAX_BATCH
} from "../../src/domain/IngestAnswer.js"
import * as Permissions from "../../src/domain/Permissions.js"
import { covers, type Principal } from "../../src/domain/Principal.js"
import { dedupeKey } from "../../src/ingest/DedupeKey.js"
import * as RequestIds from "../../src/ingest/RequestIds.js"
import { validateCheckpoint, validateCheckpointKey, validateEnvelope } from "../../src/ingest/Validate.js"
import { type CheckpointAnswer, describeKey } from "../../src/domain/Checkpoint.js"
import { ConnectorCheckpoints, type SingletonFence } from "../../services/ConnectorCheckpoints.js"
import { jsonBytes } from "../../src/domain/Text.js"
import * as IngestMetrics from "../../src/metrics/IngestMetrics.js"
import * as IngestSpans from "../../src/tracing/IngestSpans.js"
import { Ingest } from "../../services/Ingest.js"
import * as SqlFailure from "../Database/SqlFailure.js"
import * as GroupCommit from "./GroupCommit.js"
import { Router } from "../../services/Router.js"
import { type Outcome, SourceCounts, type SourceKey, UNPARSED } from "../../services/SourceCounts.js"
import { readSource } from "../SourceCounts/ReadSource.js"
import {
  InboxStore,
  InboxUnavailable,
  type NewInboxRow,
  type Refused,
  type StoredOutcome
} from "../../services/InboxStore.js"

export interface Options {
  /** Submissions allowed in flight at once; beyond it callers get Overloaded (429). */
  readonly maxInflight: number
  /** Seconds a caller is told to wait after Unavailable / Overloaded. */
  readonly retryAfterS: number
  /** Longest a submission waits for its rows to be stored (queueing included) before Unavailable (503). */
  readonly deadline: Duration.Duration
}

export const defaults: Options = { maxInflight: 2048, retryAfterS: 2, deadline: SqlFailure.DEFAULT_QUERY_TIMEOUT }

const deadlineMessage = "the database did not store the envelope in time"

const describeScope = (s: { readonly channel: string; readonly provider: string; readonly endpoint_identity: string }) =>
  `${s.channel}/${s.provider}/${s.endpoint_identity}`

const checkRole = (principal: Principal) =>
  Permissions.allows(principal, "ingest.submit")
    ? Effect.void
    : Effect.fail(new Forbidden({ message: `a token with role "${principal.role}" may not ingest` }))

const checkScope = (principal: Principal, envelope: IngestEnvelopeV1): Either.Either<IngestEnvelopeV1, Forbidden> =>
  covers(principal, envelope.source)
    ? Either.right(envelope)
    : Either.left(
      new Forbidden({
        message: `token ${principal.token_id} is scoped to ${describeScope(principal)} and cannot ingest for ${
          describeScope(envelope.source)
        }`
      })
    )

/** A token may read or move a connector's checkpoint only when it may ingest for the checkpoint's source. */
const checkCheckpointScope = <K extends { readonly connector_type: string; readonly source: IngestEnvelopeV1["source"] }>(
  principal: Principal,
  key: K
): Either.Either<K, Forbidden> =>
  covers(principal, key.source)
    ? Either.right(key)
    : Either.left(
      new Forbidden({
        message: `token ${principal.token_id} is scoped to ${describeScope(principal)} and cannot use the checkpoint of ${describeKey(key)}`
      })
    )

const toRow = (e: IngestEnvelopeV1, requestId: string, receivedAt: Date): NewInboxRow => ({
  request_id: requestId,
  dedupe_key: dedupeKey(e),
  source_channel: e.source.channel,
  source_provider: e.source.provider,
  source_endpoint_identity: e.source.endpoint_identity,
  external_event_id: e.event.external_event_id ?? null,
  external_thread_id: e.event.external_thread_id ?? null,
  sender_identity: e.sender.identity,
  observed_at: e.event.observed_at,
  normalized_text: e.payload.normalized_text,
  raw: e.payload.raw,
  attachments: e.payload.attachments ?? [],
  trace_context: e.control?.trace_context ?? null,
  policy_tier: e.control?.policy_tier ?? "default",
  ingestion_tier: e.control?.ingestion_tier ?? (e.payload.raw === null ? "metadata" : "full"),
  received_at: receivedAt
})

/**
 * The database refused a row that passed validation: the input's fault (400), but also a gap in
 * validation worth an error log line (no value, only the SQLSTATE).
 */
const refusedError = (reason: string) =>
  new ValidationError({
    message: `the database refused this envelope: ${reason}`,
    issues: [{ path: "(envelope)", message: `refused by the database: ${reason}` }]
  })

const logRefused = (outcome: Refused) =>
  Effect.logError("ingest: the database refused a row that passed validation").pipe(
    Effect.annotateLogs({ reason: outcome.reason })
  )

/**
 * In a batch each envelope keeps the single-envelope limit (DESIGN §5.1: encoded ≤ 1 MiB), measured as
 * compact JSON; checked after validation, so the value is known to serialise.
 */
const withinSize = (input: unknown, envelope: IngestEnvelopeV1): Either.Either<IngestEnvelopeV1, ValidationError> => {
  const bytes = jsonBytes(input)
  return bytes <= MAX_ENVELOPE_BYTES
    ? Either.right(envelope)
    : Either.left(
      new ValidationError({
        message: `the envelope is ${bytes} bytes of JSON, over the limit of ${MAX_ENVELOPE_BYTES}`,
        issues: [{ path: "(envelope)", message: `must be at most ${MAX_ENVELOPE_BYTES} bytes as JSON (got ${bytes})` }]
      })
    )
}

const verdictOf = (outcome: StoredOutcome | Refused): Outcome =>
  outcome._tag === "Inserted" ? "accepted" : outcome._tag === "Duplicate" ? "duplicate" : "rejected"

const toAnswer = (row: NewInboxRow, outcome: StoredOutcome): IngestAnswer => ({
  status: "accepted",
  request_id: outcome.request_id,
  duplicate: outcome._tag === "Duplicate",
  dedupe_key: row.dedupe_key,
  received_at: outcome.received_at.toISOString()
})

export const make = (options: Options = defaults) =>
  Effect.gen(function*() {
    const store = yield* InboxStore
    const checkpoints = yield* ConnectorCheckpoints
    const insertGrouped = yield* GroupCommit.make(store, { ...GroupCommit.defaults, deadline: options.deadline })
    const router = yield* Router
    const nextId = yield* RequestIds.make
    const permits = yield* Effect.makeSemaphore(options.maxInflight)
    const counts = yield* SourceCounts
    /** A batch body may hold millions of items: sources are read for the first MAX_BATCH, the rest are "(unparsed)". */
    const rejectedInputs = (inputs: ReadonlyArray<unknown>) =>
      counts.record([
        ...inputs.slice(0, MAX_BATCH).map((input) => [readSource(input), "rejected"] as const),
        ...(inputs.length > MAX_BATCH ? [[UNPARSED, "rejected", inputs.length - MAX_BATCH] as const] : [])
      ])

    const unavailable = (e: InboxUnavailable) =>
      Effect.logWarning("ingest: database unavailable").pipe(
        Effect.annotateLogs({ reason: e.message }),
        Effect.zipRight(Effect.fail(
          new Unavailable({ message: `database unavailable: ${e.message}`, retry_after_s: options.retryAfterS })
        ))
      )

    /** Admission control: at most maxInflight submissions at once, the rest are told to come back. */
    const admitted = <A, E>(effect: Effect.Effect<A, E>) =>
      permits.withPermitsIfAvailable(1)(effect).pipe(
        Effect.flatMap((o) =>
          o._tag === "Some"
            ? Effect.succeed(o.value)
            : Effect.fail(
              new Overloaded({
                message: `more than ${options.maxInflight} submissions in flight`,
                retry_after_s: 1
              })
            )
        )
      )

    /** The row with its routed targets: their outbox rows are stored atomically with it. */
    const newRow = (e: IngestEnvelopeV1) =>
      Effect.zipWith(nextId, Clock.currentTimeMillis, (id, now) => toRow(e, id, new Date(now))).pipe(
        Effect.flatMap((row) => Effect.map(router.route(row), (targets): NewInboxRow => ({ ...row, targets })))
      )

    const acceptUntraced = Effect.fnUntraced(function*(input: unknown, principal: Principal) {
      const envelope = yield* Effect.flatMap(
        checkRole(principal),
        () => Either.flatMap(validateEnvelope(input), (e) => checkScope(principal, e))
      ).pipe(Effect.tapError(() => rejectedInputs([input])))
      const row = yield* newRow(envelope)
      const outcome = yield* admitted(insertGrouped(row)).pipe(Effect.catchTag("InboxUnavailable", unavailable))
      yield* counts.record([[envelope.source, verdictOf(outcome)]])
      if (outcome._tag === "Refused") {
        yield* logRefused(outcome)
        return yield* refusedError(outcome.reason)
      }
      yield* Effect.annotateCurrentSpan({ "switchboard.request_id": outcome.request_id, "switchboard.duplicate": outcome._tag === "Duplicate" })
      return toAnswer(row, outcome)
    })

    /** The span continues the envelope's control.trace_context when it names a valid W3C parent. */
    const accept = (input: unknown, principal: Principal) =>
      Effect.flatMap(IngestSpans.forEnvelope(input), (span) => IngestSpans.withSpan(acceptUntraced(input, principal), "Ingest.accept", span))

    const acceptBatchUntraced = Effect.fnUntraced(function*(
      inputs: ReadonlyArray<unknown>,
      principal: Principal,
      checkpointInput?: unknown,
      fence?: SingletonFence
    ) {
      yield* Effect.tapError(checkRole(principal), () => rejectedInputs(inputs))
      // With a checkpoint the batch may be empty: the cursor moved past events that were all skipped.
      const least = checkpointInput === undefined ? 1 : 0
      if (inputs.length < least || inputs.length > MAX_BATCH) {
        yield* rejectedInputs(inputs)
        return yield* new ValidationError({
          message: `a batch holds ${least} to ${MAX_BATCH} envelopes (got ${inputs.length})`,
          issues: [{ path: "envelopes", message: `must hold ${least} to ${MAX_BATCH} envelopes (got ${inputs.length})` }]
        })
      }
      const checkpoint = checkpointInput === undefined ? Option.none() : Option.some(
        yield* Either.flatMap(validateCheckpoint(checkpointInput), (c) => checkCheckpointScope(principal, c)).pipe(
          Effect.tapError(() => rejectedInputs(inputs))
        )
      )
      const checked = inputs.map((input) =>
        Either.flatMap(validateEnvelope(input), (e) => Either.flatMap(withinSize(input, e), (ok) => checkScope(principal, ok)))
      )
      const valid = checked.flatMap((c) => (Either.isRight(c) ? [c.right] : []))
      const rows = yield* Effect.forEach(valid, newRow)
      const write = Option.match(checkpoint, {
        onNone: () => store.insertMany(rows),
        onSome: (input) =>
          Effect.map(
            store.insertManyWithCheckpoint(rows, { input, by: principal.token_id, ...(fence === undefined ? {} : { fence }) }),
            (written) => written.outcomes
          )
      })
      const outcomes = yield* admitted(write).pipe(
        SqlFailure.within(options.deadline, () => new InboxUnavailable({ message: deadlineMessage })),
        Effect.catchTag("InboxUnavailable", unavailable)
      )
      yield* Effect.forEach(outcomes, (o) => (o._tag === "Refused" ? logRefused(o) : Effect.void), { discard: true })
      // Counted once the batch has its answer: a batch that fails whole (503) is retried, and counted then.
      let stored = 0
      yield* counts.record(checked.map((c, i): readonly [SourceKey, Outcome] =>
        Either.isLeft(c) ? [readSource(inputs[i]), "rejected"] : [c.right.source, verdictOf(outcomes[stored++]!)]
      ))
      let next = 0
      const results = checked.map((c, index): BatchItemResult => {
        if (Either.isLeft(c)) return { status: "rejected", index, error: c.left }
        const i = next++
        const outcome = outcomes[i]!
        return outcome._tag === "Refused"
          ? { status: "rejected", index, error: refusedError(outcome.reason) }
          : toAnswer(rows[i]!, outcome)
      })
      const answer: BatchAnswer = {
        accepted: outcomes.filter((o) => o._tag === "Inserted").length,
        duplicates: outcomes.filter((o) => o._tag === "Duplicate").length,
        rejected: results.filter((r) => r.status === "rejected").length,
        results
      }
      yield* Effect.annotateCurrentSpan({ "switchboard.accepted": answer.accepted, "switchboard.rejected": answer.rejected })
      return answer
    })

    /** The span links each envelope's trace (a batch has one parent: the request). */
    const acceptBatch = (inputs: ReadonlyArray<unknown>, principal: Principal, checkpoint?: unknown, fence?: SingletonFence) =>
      Effect.flatMap(IngestSpans.forBatch(inputs), (span) =>
        IngestSpans.withSpan(acceptBatchUntraced(inputs, principal, checkpoint, fence), "Ingest.acceptBatch", span))

    const getCheckpoint = (keyInput: unknown, principal: Principal) =>
      Effect.gen(function*() {
        yield* checkRole(principal)
        const key = yield* Either.flatMap(validateCheckpointKey(keyInput), (k) => checkCheckpointScope(principal, k))
        const stored = yield* checkpoints.get(key).pipe(
          Effect.catchTag("CheckpointsUnavailable", (e) => unavailable(new InboxUnavailable({ message: e.message })))
        )
        return { checkpoint: Option.getOrNull(stored) } satisfies CheckpointAnswer
      })

    return Ingest.of(IngestMetrics.instrument({ accept, acceptBatch, getCheckpoint }))
  })

export const layer = (options: Options = defaults) => Layer.scoped(Ingest, make(options))
