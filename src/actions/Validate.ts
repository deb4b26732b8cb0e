/**
 * An untrusted action call checked before anything else happens: the action name, the optional
 * idempotency key (header or `idempotency_key` field, not both unless equal), and the body against its
 * action's schema, with every failing path named and no value echoed.
 */
import { Either, Schema } from "effect"
import { type Issue, ValidationError } from "../domain/Errors.js"
import { issuesOf, toValidationError, tooDeep } from "../ingest/Validate.js"
import { type ActionCall, actionNames, type ActionName, isActionName, payloadSchemas } from "../domain/ActionCatalog.js"

const decodeOptions = { errors: "all", onExcessProperty: "error" } as const

/** Idempotency keys: 1 to 256 printable ASCII characters (Resend's limit). */
export const MAX_KEY_CHARS = 256
const KEY = /^[\x21-\x7e](?:[\x20-\x7e]{0,254}[\x21-\x7e])?$/

const invalid = (prefix: string, issues: ReadonlyArray<Issue>) => toValidationError(issues, prefix)

/** A schema message never carries the value; one that would (a type mismatch) is cut before it. */
const safe = (issues: ReadonlyArray<Issue>): ReadonlyArray<Issue> =>
  issues.map((i) => ({ path: i.path, message: i.message.replace(/, actual [\s\S]*$/, "") }))

export const actionName = (name: string): Either.Either<ActionName, ValidationError> =>
  isActionName(name)
    ? Either.right(name)
    : Either.left(invalid("unknown action", [{ path: "action", message: `must be one of ${actionNames.join(", ")}` }]))

/** The key to use: the header's, the body field's, or none; the body without the field. */
export const splitKey = (
  header: string | undefined,
  body: unknown
): Either.Either<{ readonly key: string | null; readonly body: unknown }, ValidationError> => {
  const isObject = typeof body === "object" && body !== null && !Array.isArray(body)
  const field: unknown = isObject && "idempotency_key" in body ? body.idempotency_key : undefined
  const issues: Array<Issue> = []
  if (header !== undefined && !KEY.test(header)) {
    issues.push({ path: "(header Idempotency-Key)", message: `must be 1 to ${MAX_KEY_CHARS} printable ASCII characters` })
  }
  if (field !== undefined && (typeof field !== "string" || !KEY.test(field))) {
    issues.push({ path: "idempotency_key", message: `must be a string of 1 to ${MAX_KEY_CHARS} printable ASCII characters` })
  }
  if (issues.length === 0 && header !== undefined && field !== undefined && header !== field) {
    issues.push({ path: "idempotency_key", message: "differs from the Idempotency-Key header; send one of them" })
  }
  if (issues.length > 0) return Either.left(invalid("invalid idempotency key", issues))
  if (!isObject || field === undefined) return Either.right({ key: header ?? null, body })
  const { idempotency_key: _, ...rest } = body as Record<string, unknown>
  return Either.right({ key: header ?? (field as string), body: rest })
}

/** The decoded call, or a ValidationError naming every bad path of the body. */
export const call = (action: ActionName, body: unknown): Either.Either<ActionCall, ValidationError> => {
  const prefix = `invalid ${action} body`
  const deep = tooDeep(body, prefix)
  if (deep !== undefined) return Either.left(deep)
  const schema: Schema.Schema<ActionCall["payload"], unknown> = payloadSchemas[action] as Schema.Schema<
    ActionCall["payload"],
    unknown
  >
  return Either.match(Schema.decodeUnknownEither(schema)(body, decodeOptions), {
    onLeft: (e) => Either.left(invalid(prefix, safe(issuesOf(e)))),
    onRight: (payload) => Either.right({ action, payload } as ActionCall)
  })
}
