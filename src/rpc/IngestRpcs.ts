/**
 * The ingest RPCs (DESIGN.md §5.5) at `POST /rpc`: `Ingest`, `IngestBatch` (optionally committing the
 * connector's checkpoint in the batch's transaction, issue 15) and `GetCheckpoint`.
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import type { IngestEnvelopeInput } from "../domain/Envelope.js"
import { Forbidden, Overloaded, PayloadTooLarge, Unavailable, ValidationError } from "../domain/Errors.js"
import { CheckpointAnswer, type CheckpointInput, type CheckpointKey } from "../domain/Checkpoint.js"
import { BatchAnswer, IngestAnswer } from "../domain/IngestAnswer.js"

/**
 * The envelope as it travels: typed for the client, but decoded loosely on the server so that an
 * invalid envelope reaches the handler and comes back as a typed ValidationError instead of a
 * defect (EFFECT_NOTES G15). The handler validates strictly.
 */
export const EnvelopeOnTheWire = Schema.declare(
  (_: unknown): _ is IngestEnvelopeInput => true,
  { identifier: "IngestEnvelopeV1Input", description: "an ingest.v1 envelope, validated by the handler" }
)

/** A checkpoint as it travels: typed for the client, validated by the handler (like the envelope). */
export const CheckpointOnTheWire = Schema.declare(
  (_: unknown): _ is CheckpointInput => true,
  { identifier: "CheckpointInput", description: "connector_type, source and cursor, validated by the handler" }
)

/** A checkpoint key as it travels, validated by the handler. */
export const CheckpointKeyOnTheWire = Schema.declare(
  (_: unknown): _ is CheckpointKey => true,
  { identifier: "CheckpointKey", description: "connector_type and source, validated by the handler" }
)

/** PayloadTooLarge comes from the HTTP edge (a body over the `/rpc` cap), not from the handlers. */
export const IngestErrors = Schema.Union(ValidationError, Forbidden, Overloaded, Unavailable, PayloadTooLarge)

export class IngestRpcs extends RpcGroup.make(
  Rpc.make("Ingest", { payload: EnvelopeOnTheWire, success: IngestAnswer, error: IngestErrors }),
  Rpc.make("IngestBatch", {
    payload: { envelopes: Schema.Array(EnvelopeOnTheWire), checkpoint: Schema.optional(CheckpointOnTheWire) },
    success: BatchAnswer,
    error: IngestErrors
  }),
  Rpc.make("GetCheckpoint", { payload: { key: CheckpointKeyOnTheWire }, success: CheckpointAnswer, error: IngestErrors })
) {}
