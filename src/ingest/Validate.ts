/** Strict validation of an untrusted envelope into `IngestEnvelopeV1`, or a ValidationError naming every failing path. */
import { Either, ParseResult, Schema } from "effect"
import { decodeOptions, IngestEnvelopeV1 } from "../domain/Envelope.js"
import { type Issue, ValidationError } from "../domain/Errors.js"

const decode = Schema.decodeUnknownEither(IngestEnvelopeV1)

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, key) => typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`,
    ""
  ) || "(root)"

/** Flattens a ParseError into `{path, message}` issues; an excess key reads "is not allowed". */
export const issuesOf = (error: ParseResult.ParseError): ReadonlyArray<Issue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({
    path: formatPath(i.path),
    message: i._tag === "Unexpected" ? "is not allowed (unknown key)" : i.message
  }))

export const toValidationError = (issues: ReadonlyArray<Issue>, prefix = "invalid ingest.v1 envelope"): ValidationError =>
  new ValidationError({
    message: `${prefix}: ${issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join("; ")}${
      issues.length > 5 ? `; and ${issues.length - 5} more` : ""
    }`,
    issues
  })

export const validateEnvelope = (input: unknown): Either.Either<IngestEnvelopeV1, ValidationError> =>
  Either.mapLeft(decode(input, decodeOptions), (e) => toValidationError(issuesOf(e)))
