/**
 * Paging of `GET /api/connectors` and the path segments that name one connector (pure). The list is in
 * (connector_type, endpoint_identity) order; a page's `next_cursor` is an opaque token (base64url of the
 * last key as JSON) that the next request passes back as `cursor`. Keyset paging: a connector registered
 * meanwhile shows up on a later page or not at all, never twice.
 */
import { Either } from "effect"
import { MAX_ENDPOINT_IDENTITY_BYTES } from "../domain/Envelope.js"
import { ValidationError } from "../domain/Errors.js"
import { MAX_CONNECTOR_TYPE_CHARS } from "../domain/Heartbeat.js"
import { excerpt, tooLong, unstorable } from "../domain/Text.js"
import type { ConnectorKey } from "../../services/Dashboard.js"

export const DEFAULT_LIST_LIMIT = 100
export const MAX_LIST_LIMIT = 500

/** A cursor holds one key: two identity strings and JSON around them, base64url (4/3). */
const MAX_CURSOR_CHARS = 4096

const invalid = (path: string, message: string) =>
  new ValidationError({ message: `${path} ${message}`, issues: [{ path, message }] })

export const parseListLimit = (raw: string | undefined): Either.Either<number, ValidationError> => {
  if (raw === undefined || raw === "") return Either.right(DEFAULT_LIST_LIMIT)
  const n = Number(raw)
  return /^\d+$/.test(raw) && n >= 1 && n <= MAX_LIST_LIMIT
    ? Either.right(n)
    : Either.left(invalid("limit", `must be a whole number from 1 to ${MAX_LIST_LIMIT} (got ${excerpt(raw, 20)})`))
}

export const encodeCursor = (key: ConnectorKey): string =>
  Buffer.from(JSON.stringify([key.connector_type, key.endpoint_identity]), "utf8").toString("base64url")

const notACursor = (raw: string) =>
  invalid("cursor", `is not a cursor this API returned (pass meta.next_cursor of the previous page; got ${excerpt(raw, 20)})`)

/** The key after which the page starts, or undefined for the first page. */
export const parseCursor = (raw: string | undefined): Either.Either<ConnectorKey | undefined, ValidationError> => {
  if (raw === undefined || raw === "") return Either.right(undefined)
  if (raw.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(raw)) return Either.left(notACursor(raw))
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"))
  } catch {
    return Either.left(notACursor(raw))
  }
  if (
    !Array.isArray(decoded) || decoded.length !== 2 || typeof decoded[0] !== "string" || typeof decoded[1] !== "string" ||
    unstorable(decoded[0]) !== undefined || unstorable(decoded[1]) !== undefined
  ) return Either.left(notACursor(raw))
  return Either.right({ connector_type: decoded[0], endpoint_identity: decoded[1] })
}

const segmentProblem = (value: string, maxBytes: number): string | undefined => {
  if (value === "") return "must not be empty"
  const why = unstorable(value)
  if (why !== undefined) return why
  const long = tooLong(value, maxBytes)
  return long === undefined ? undefined : `${long}: no connector can have a longer one`
}

/**
 * The connector named by the path segments of /api/connectors/{connector_type}/{endpoint_identity}, checked
 * against what a heartbeat may carry (so the database never sees a value it cannot store), or a
 * ValidationError naming the segment. A type that merely does not match the heartbeat's pattern is looked
 * up (and not found) rather than refused, so connectors registered under older rules stay readable.
 */
export const connectorKeyOf = (path: ConnectorKey): Either.Either<ConnectorKey, ValidationError> => {
  const issues = [
    ["connector_type", segmentProblem(path.connector_type, MAX_CONNECTOR_TYPE_CHARS)] as const,
    ["endpoint_identity", segmentProblem(path.endpoint_identity, MAX_ENDPOINT_IDENTITY_BYTES)] as const
  ].flatMap(([p, message]) => (message === undefined ? [] : [{ path: p, message }]))
  return issues.length === 0
    ? Either.right(path)
    : Either.left(
      new ValidationError({
        message: `invalid connector path: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
        issues
      })
    )
}
