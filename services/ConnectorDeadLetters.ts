/** Where a connector puts events the hub refused for good (DESIGN.md §6 IngestRejected), for a human to look at. */
import { Context, type Effect, Schema } from "effect"
import { Issue } from "../src/domain/Errors.js"

/** One refused event with the hub's reason. */
export const DeadLetter = Schema.Struct({
  connector_type: Schema.String,
  endpoint_identity: Schema.String,
  rejected_at: Schema.String,
  reason: Schema.String,
  message: Schema.String,
  issues: Schema.Array(Issue),
  envelope: Schema.Unknown
}).annotations({ identifier: "ConnectorDeadLetter" })
export type DeadLetter = typeof DeadLetter.Type

/** The dead letter could not be written; the event stays counted as failed. */
export class DeadLetterWriteFailed extends Schema.TaggedError<DeadLetterWriteFailed>()("DeadLetterWriteFailed", {
  location: Schema.String,
  message: Schema.String
}) {}

export interface ConnectorDeadLettersService {
  /** Where the letters go (a file path, or "memory"), for logs. */
  readonly location: string
  /** Appends one letter durably. */
  readonly write: (letter: DeadLetter) => Effect.Effect<void, DeadLetterWriteFailed>
  /** Every letter written so far, oldest first. */
  readonly list: Effect.Effect<ReadonlyArray<DeadLetter>, DeadLetterWriteFailed>
}

export class ConnectorDeadLetters extends Context.Tag("switchboard/ConnectorDeadLetters")<
  ConnectorDeadLetters,
  ConnectorDeadLettersService
>() {}
