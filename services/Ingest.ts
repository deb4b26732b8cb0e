/** The ingest use case: validate, authorize against the caller's scope, dedupe, store. */
import { Context, type Effect } from "effect"
import type { Forbidden, Overloaded, Unavailable, ValidationError } from "../src/domain/Errors.js"
import type { BatchAnswer, IngestAnswer } from "../src/domain/IngestAnswer.js"
import type { Principal } from "../src/domain/Principal.js"

export interface IngestService {
  /** Accepts one untrusted envelope exactly once (a repeat answers the same request_id, duplicate: true). */
  readonly accept: (
    input: unknown,
    principal: Principal
  ) => Effect.Effect<IngestAnswer, ValidationError | Forbidden | Overloaded | Unavailable>
  /** Accepts up to 500 envelopes; a bad envelope is rejected alone, the answer has one result per envelope. */
  readonly acceptBatch: (
    inputs: ReadonlyArray<unknown>,
    principal: Principal
  ) => Effect.Effect<BatchAnswer, ValidationError | Forbidden | Overloaded | Unavailable>
}

export class Ingest extends Context.Tag("switchboard/Ingest")<Ingest, IngestService>() {}
