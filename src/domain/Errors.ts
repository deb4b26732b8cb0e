/**
 * The public errors of the hub (DESIGN.md §5.3). They cross the RPC and HTTP boundaries, so they
 * are Schema.TaggedErrors; the HTTP status is an annotation read by HttpApi.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

export const Issue = Schema.Struct({
  path: Schema.String,
  message: Schema.String
}).annotations({ identifier: "ValidationIssue" })
export type Issue = typeof Issue.Type

/** The request does not satisfy the contract; `issues` names every failing path. */
export class ValidationError extends Schema.TaggedError<ValidationError>()(
  "ValidationError",
  { message: Schema.String, issues: Schema.Array(Issue) },
  HttpApiSchema.annotations({ status: 400 })
) {}

/** The bearer token is missing, unknown, revoked or expired. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401 })
) {}

/** The token is valid but its scope or role does not cover this request. */
export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 403 })
) {}

/** The body is larger than the limit. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { message: Schema.String, limit_bytes: Schema.Number },
  HttpApiSchema.annotations({ status: 413 })
) {}

/** The hub has too much work in flight; retry after `retry_after_s`. */
export class Overloaded extends Schema.TaggedError<Overloaded>()(
  "Overloaded",
  { message: Schema.String, retry_after_s: Schema.Number },
  HttpApiSchema.annotations({ status: 429 })
) {}

export const RETRY_AFTER_UNAVAILABLE_S = 2
export const RETRY_AFTER_OVERLOADED_S = 1

/** The database is unreachable; retry after `retry_after_s`. */
export class Unavailable extends Schema.TaggedError<Unavailable>()(
  "Unavailable",
  { message: Schema.String, retry_after_s: Schema.Number },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** The resource does not exist. */
export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

/** The request conflicts with what exists (a live target of that name). */
export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 409 })
) {}
