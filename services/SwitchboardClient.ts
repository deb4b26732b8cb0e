/**
 * How a connector submits to the hub (DESIGN.md §2, §5.5): over the ingest RPC with a bearer token,
 * or in-process when the hub hosts the connector. The hub's public errors are folded into the
 * connector's rules of DESIGN.md §6: retry (IngestUnavailable) or give up on one event (IngestRejected).
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type { CheckpointInput, CheckpointKey, StoredCheckpoint } from "../src/domain/Checkpoint.js"
import type { IngestEnvelopeInput } from "../src/domain/Envelope.js"
import { Issue } from "../src/domain/Errors.js"
import type { HeartbeatAnswer, HeartbeatInput } from "../src/domain/Heartbeat.js"
import type { IngestAnswer } from "../src/domain/IngestAnswer.js"

/** The hub is unreachable, answered 5xx, 429 or 503: retry after `retryAfter`, never advance past the event. */
export class IngestUnavailable extends Schema.TaggedError<IngestUnavailable>()("IngestUnavailable", {
  message: Schema.String,
  retryAfter: Schema.OptionFromSelf(Schema.DurationFromSelf)
}) {}

/** The hub refused this event for good (ValidationError, Forbidden, PayloadTooLarge): dead-letter it, move on. */
export class IngestRejected extends Schema.TaggedError<IngestRejected>()("IngestRejected", {
  reason: Schema.Literal("ValidationError", "Forbidden", "PayloadTooLarge"),
  message: Schema.String,
  issues: Schema.Array(Issue)
}) {}

/** The hub does not accept our token (SWITCHBOARD_API_TOKEN missing, revoked or expired): health `error`, slow retry. */
export class IngestUnauthorized extends Schema.TaggedError<IngestUnauthorized>()("IngestUnauthorized", {
  message: Schema.String
}) {}

/** The hub has no Heartbeat RPC (older hub): the sender logs once and stops worrying. */
export class HeartbeatUnsupported extends Schema.TaggedError<HeartbeatUnsupported>()("HeartbeatUnsupported", {
  message: Schema.String
}) {}

/** One envelope's outcome inside a batch: accepted (maybe duplicate) or rejected alone. */
export type BatchItemOutcome = IngestAnswer | IngestRejected

export interface SwitchboardClientService {
  /** Submits one envelope; a repeat is a success with `duplicate: true`. */
  readonly ingest: (
    envelope: IngestEnvelopeInput
  ) => Effect.Effect<IngestAnswer, IngestUnavailable | IngestRejected | IngestUnauthorized>
  /**
   * Submits 1–500 envelopes; one outcome per envelope in order, a rejected one does not fail the others. With
   * `checkpoint` the hub commits that cursor in the same transaction as the batch's rows (issue 15), and the
   * batch may be empty.
   */
  readonly ingestBatch: (
    envelopes: ReadonlyArray<IngestEnvelopeInput>,
    checkpoint?: CheckpointInput
  ) => Effect.Effect<ReadonlyArray<BatchItemOutcome>, IngestUnavailable | IngestRejected | IngestUnauthorized>
  /** The hub-held checkpoint of a connector; None before its first commit. */
  readonly getCheckpoint: (
    key: CheckpointKey
  ) => Effect.Effect<Option.Option<StoredCheckpoint>, IngestUnavailable | IngestRejected | IngestUnauthorized>
  /** Sends a `connector.heartbeat.v1`; HeartbeatUnsupported when the hub does not know the RPC. */
  readonly heartbeat: (
    heartbeat: HeartbeatInput
  ) => Effect.Effect<
    HeartbeatAnswer,
    IngestUnavailable | IngestRejected | IngestUnauthorized | HeartbeatUnsupported
  >
}

export class SwitchboardClient extends Context.Tag("switchboard/SwitchboardClient")<
  SwitchboardClient,
  SwitchboardClientService
>() {}
