/** What the hub answers for one accepted envelope (DESIGN.md §5.3). */
import { Schema } from "effect"
import { Forbidden, ValidationError } from "./Errors.js"

export const IngestAnswer = Schema.Struct({
  status: Schema.Literal("accepted"),
  request_id: Schema.String,
  duplicate: Schema.Boolean,
  dedupe_key: Schema.String,
  received_at: Schema.String
}).annotations({ identifier: "IngestAnswer" })
export type IngestAnswer = typeof IngestAnswer.Type

/** One envelope of a batch that was not accepted; the others are unaffected. */
export const IngestRejection = Schema.Struct({
  status: Schema.Literal("rejected"),
  index: Schema.Number,
  error: Schema.Union(ValidationError, Forbidden)
}).annotations({ identifier: "IngestRejection" })
export type IngestRejection = typeof IngestRejection.Type

export const BatchItemResult = Schema.Union(IngestAnswer, IngestRejection)
export type BatchItemResult = typeof BatchItemResult.Type

export const MAX_BATCH = 500

export const BatchAnswer = Schema.Struct({
  accepted: Schema.Number,
  duplicates: Schema.Number,
  rejected: Schema.Number,
  results: Schema.Array(BatchItemResult)
}).annotations({ identifier: "IngestBatchAnswer" })
export type BatchAnswer = typeof BatchAnswer.Type
