/** The ingest use case: validate, authorize against the caller's scope, dedupe, store. */
import { Context, type Effect } from "effect"
import type { Forbidden, Overloaded, Unavailable, ValidationError } from "../src/domain/Errors.js"
import type { CheckpointAnswer } from "../src/domain/Checkpoint.js"
import type { SingletonFence } from "./ConnectorCheckpoints.js"
import type { BatchAnswer, IngestAnswer } from "../src/domain/IngestAnswer.js"
import type { Principal } from "../src/domain/Principal.js"

export interface IngestService {
  /** Accepts one untrusted envelope exactly once (a repeat answers the same request_id, duplicate: true). */
  readonly accept: (
    input: unknown,
    principal: Principal
  ) => Effect.Effect<IngestAnswer, ValidationError | Forbidden | Overloaded | Unavailable>
  /**
   * Accepts up to 500 envelopes; a bad envelope is rejected alone, the answer has one result per envelope.
   * With an untrusted `checkpoint` (a CheckpointInput, issue 15) the connector's cursor is committed in the same
   * transaction as the batch's rows, and the batch may be empty (a cursor moved past skipped events only); an
   * invalid checkpoint, or one for a source the token does not cover, fails the whole call and stores nothing.
   * A `fence` (a hosted connector's, never a remote caller's) commits the checkpoint only while its process is
   * the singleton's holder; else the whole call fails Unavailable and stores nothing.
   */
  readonly acceptBatch: (
    inputs: ReadonlyArray<unknown>,
    principal: Principal,
    checkpoint?: unknown,
    fence?: SingletonFence
  ) => Effect.Effect<BatchAnswer, ValidationError | Forbidden | Overloaded | Unavailable>
  /** The hub-held checkpoint of an untrusted CheckpointKey, if the token's scope covers its source. */
  readonly getCheckpoint: (
    key: unknown,
    principal: Principal
  ) => Effect.Effect<CheckpointAnswer, ValidationError | Forbidden | Unavailable>
}

export class Ingest extends Context.Tag("switchboard/Ingest")<Ingest, IngestService>() {}
