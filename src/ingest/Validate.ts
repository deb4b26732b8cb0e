/** Strict validation of an untrusted envelope into `IngestEnvelopeV1`, or a ValidationError naming every failing path. */
import { Either, ParseResult, Schema } from "effect"
import { CheckpointInput, CheckpointKey } from "../domain/Checkpoint.js"
import { decodeOptions, IngestEnvelopeV1 } from "../domain/Envelope.js"
import { type Issue, ValidationError } from "../domain/Errors.js"
import { depthIssue } from "../domain/Text.js"

const decode = Schema.decodeUnknownEither(IngestEnvelopeV1)

/** Error answers echo untrusted keys and values: each is cut short, and so is the list. */
export const MAX_ISSUES = 20
const MAX_KEY_CHARS = 64
const MAX_PATH_CHARS = 400
const MAX_MESSAGE_CHARS = 300

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…` : s)

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  cut(
    path.reduce<string>((acc, key) => {
      if (typeof key === "number") return `${acc}[${key}]`
      const name = cut(String(key), MAX_KEY_CHARS)
      return acc === "" ? name : `${acc}.${name}`
    }, ""),
    MAX_PATH_CHARS
  ) || "(root)"

/**
 * Flattens a ParseError into `{path, message}` issues (at most MAX_ISSUES, then one that counts the
 * rest); an excess key reads "is not allowed".
 */
export const issuesOf = (error: ParseResult.ParseError): ReadonlyArray<Issue> => {
  const all = ParseResult.ArrayFormatter.formatErrorSync(error)
  const shown = all.slice(0, MAX_ISSUES).map((i) => ({
    path: formatPath(i.path),
    message: i._tag === "Unexpected" ? "is not allowed (unknown key)" : cut(i.message, MAX_MESSAGE_CHARS)
  }))
  return all.length > MAX_ISSUES
    ? [...shown, { path: "(more)", message: `${all.length - MAX_ISSUES} more issues not shown` }]
    : shown
}

const ENVELOPE = "invalid ingest.v1 envelope"

export const toValidationError = (issues: ReadonlyArray<Issue>, prefix = ENVELOPE): ValidationError =>
  new ValidationError({
    message: `${prefix}: ${issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join("; ")}${
      issues.length > 5 ? `; and ${issues.length - 5} more` : ""
    }`,
    issues
  })

/** A body nested too deep to decode safely, as a ValidationError naming where (before any schema runs). */
export const tooDeep = (input: unknown, prefix: string): ValidationError | undefined => {
  const deep = depthIssue(input)
  return deep === undefined ? undefined : toValidationError([{ path: formatPath(deep.path), message: deep.message }], prefix)
}

export const validateEnvelope = (input: unknown): Either.Either<IngestEnvelopeV1, ValidationError> => {
  const deep = tooDeep(input, ENVELOPE)
  return deep !== undefined ? Either.left(deep) : Either.mapLeft(decode(input, decodeOptions), (e) => toValidationError(issuesOf(e)))
}

const decodeCheckpoint = Schema.decodeUnknownEither(CheckpointInput)
const decodeCheckpointKey = Schema.decodeUnknownEither(CheckpointKey)

/** Issues of a nested document, their paths under `prefix` (e.g. `checkpoint.cursor.x`). */
const under = (prefix: string, issues: ReadonlyArray<Issue>): ReadonlyArray<Issue> =>
  issues.map((i) => ({ ...i, path: i.path === "(root)" ? prefix : `${prefix}.${i.path}` }))

const validateWith = <A>(decodeDoc: (u: unknown, o: typeof decodeOptions) => Either.Either<A, ParseResult.ParseError>, what: string, prefix: string) =>
(input: unknown): Either.Either<A, ValidationError> => {
  const deep = tooDeep(input, what)
  return deep !== undefined
    ? Either.left(deep)
    : Either.mapLeft(decodeDoc(input, decodeOptions), (e) => toValidationError(under(prefix, issuesOf(e)), what))
}

/** The `checkpoint` of an IngestBatch (issue 15): connector type, source and cursor, strictly. */
export const validateCheckpoint = validateWith(decodeCheckpoint, "invalid checkpoint", "checkpoint")

/** The key of a GetCheckpoint call: connector type and source, strictly. */
export const validateCheckpointKey = validateWith(decodeCheckpointKey, "invalid checkpoint key", "(key)")
