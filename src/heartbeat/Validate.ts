/** Strict validation of an untrusted heartbeat into `HeartbeatV1`, or a ValidationError naming every failing path. */
import { Either, Schema } from "effect"
import { decodeOptions } from "../domain/Envelope.js"
import type { ValidationError } from "../domain/Errors.js"
import { HeartbeatV1 } from "../domain/Heartbeat.js"
import { issuesOf, tooDeep, toValidationError } from "../ingest/Validate.js"

const decode = Schema.decodeUnknownEither(HeartbeatV1)
const PREFIX = "invalid connector.heartbeat.v1"

export const validateHeartbeat = (input: unknown): Either.Either<HeartbeatV1, ValidationError> => {
  const deep = tooDeep(input, PREFIX)
  return deep !== undefined ? Either.left(deep) : Either.mapLeft(decode(input, decodeOptions), (e) => toValidationError(issuesOf(e), PREFIX))
}
