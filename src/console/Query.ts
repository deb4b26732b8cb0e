/**
 * The console's query parameters, checked before any of them reaches SQL (pure): the request filter
 * (shared by GET /api/requests, the bulk replay's `filter` and `switchboard requests`), limits, and the
 * opaque cursors (base64url of the last row's key as JSON). Every failure is a ValidationError naming the
 * parameter and what it may be.
 */
import { Either } from "effect"
import * as DurationSpec from "../cli/DurationSpec.js"
import {
  Lifecycle,
  MAX_QUERY_CHARS,
  MIN_QUERY_CHARS,
  type RequestFilterParams
} from "../domain/Console.js"
import { MAX_ENDPOINT_IDENTITY_BYTES, MAX_IDENTITY_BYTES } from "../domain/Envelope.js"
import { ValidationError } from "../domain/Errors.js"
import { excerpt, tooLong, unstorable } from "../domain/Text.js"
import { timestampProblem } from "../domain/Timestamp.js"
import type { RequestCursor, RequestFilter } from "../../services/RequestLog.js"

type Issues = Array<{ readonly path: string; readonly message: string }>

const failed = (issues: Issues): ValidationError =>
  new ValidationError({ message: issues.map((i) => `${i.path} ${i.message}`).join("; "), issues })

const invalid = (path: string, message: string) => failed([{ path, message }])

/** A text matcher: not empty, storable, at most `maxBytes` (longer values cannot match anything stored). */
const textProblem = (raw: string, maxBytes: number): string | undefined => {
  if (raw.trim() === "") return "must not be empty"
  return unstorable(raw) ?? tooLong(raw, maxBytes)
}

const lifecycles = Lifecycle.literals

/** Latest instant Postgres and JS dates agree on for these filters (year 9999). */
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59)
const MIN_MS = Date.UTC(1, 0, 1)

/** `since` / `until`: an RFC 3339 time with an offset, or a lookback such as 24h before `nowMs`. */
export const parseTime = (path: string, raw: string, nowMs: number): Either.Either<Date, ValidationError> => {
  const lookback = DurationSpec.parse(raw)
  if (Either.isRight(lookback) && lookback.right !== "never") {
    const at = nowMs - lookback.right
    return at >= MIN_MS ? Either.right(new Date(at)) : Either.left(invalid(path, `looks back too far (got ${excerpt(raw, 20)})`))
  }
  const problem = raw.length > 64 ? "is too long" : timestampProblem(raw)
  if (problem !== undefined) {
    return Either.left(invalid(path, `must be an RFC 3339 time with an offset or a lookback such as 24h (${problem}; got ${excerpt(raw, 30)})`))
  }
  const ms = Date.parse(raw)
  return ms >= MIN_MS && ms <= MAX_MS ? Either.right(new Date(ms)) : Either.left(invalid(path, "is out of range"))
}

/** The checked filter, or a ValidationError naming every bad parameter. Empty strings mean "not given". */
export const parseFilter = (params: RequestFilterParams, nowMs: number, prefix = ""): Either.Either<RequestFilter, ValidationError> => {
  const issues: Issues = []
  const filter: { -readonly [K in keyof RequestFilter]: RequestFilter[K] } = {}
  const given = (v: string | undefined): v is string => v !== undefined && v !== ""
  const text = (key: "channel" | "provider" | "endpoint" | "sender", maxBytes: number) => {
    const v = params[key]
    if (!given(v)) return
    const problem = textProblem(v, maxBytes)
    if (problem === undefined) filter[key] = v
    else issues.push({ path: `${prefix}${key}`, message: problem })
  }
  text("channel", 64)
  text("provider", 64)
  text("endpoint", MAX_ENDPOINT_IDENTITY_BYTES)
  text("sender", MAX_IDENTITY_BYTES)
  if (given(params.lifecycle)) {
    const v = params.lifecycle
    if ((lifecycles as ReadonlyArray<string>).includes(v)) filter.lifecycle = v as Lifecycle
    else issues.push({ path: `${prefix}lifecycle`, message: `must be one of ${lifecycles.join(", ")} (got ${excerpt(v, 20)})` })
  }
  for (const key of ["since", "until"] as const) {
    const v = params[key]
    if (!given(v)) continue
    Either.match(parseTime(`${prefix}${key}`, v, nowMs), {
      onLeft: (e) => issues.push(...e.issues),
      onRight: (d) => (filter[key] = d)
    })
  }
  if (filter.since !== undefined && filter.until !== undefined && filter.since.getTime() >= filter.until.getTime()) {
    issues.push({ path: `${prefix}until`, message: "must be later than since" })
  }
  if (given(params.q)) {
    const q = params.q
    const chars = [...q].length
    const problem = unstorable(q)
    if (problem !== undefined) issues.push({ path: `${prefix}q`, message: problem })
    else if (q.trim().length < MIN_QUERY_CHARS || chars > MAX_QUERY_CHARS) {
      issues.push({
        path: `${prefix}q`,
        message: `must be ${MIN_QUERY_CHARS} to ${MAX_QUERY_CHARS} characters (got ${chars}): shorter searches cannot use the text index`
      })
    } else if (!/[\p{L}\p{N}]{3}/u.test(q)) {
      // The trigram index extracts trigrams only from runs of letters and digits; without one the search walks every row.
      issues.push({ path: `${prefix}q`, message: "needs 3 letters or digits in a row to use the text index" })
    } else filter.q = q
  }
  return issues.length === 0 ? Either.right(filter) : Either.left(failed(issues))
}

/** Is any filter key given? (A bulk replay of everything must say so explicitly.) */
export const isEmpty = (filter: RequestFilter): boolean => Object.keys(filter).length === 0

/** `limit`: a whole number from 1 to `max`, `fallback` when absent. */
export const parseLimit = (raw: string | undefined, fallback: number, max: number): Either.Either<number, ValidationError> => {
  if (raw === undefined || raw === "") return Either.right(fallback)
  const n = Number(raw)
  return /^\d{1,6}$/.test(raw) && n >= 1 && n <= max
    ? Either.right(n)
    : Either.left(invalid("limit", `must be a whole number from 1 to ${max} (got ${excerpt(raw, 20)})`))
}

const MAX_CURSOR_CHARS = 512

const notACursor = (raw: string) =>
  invalid("cursor", `is not a cursor this API returned (pass meta.next_cursor of the previous page; got ${excerpt(raw, 20)})`)

const encode = (parts: ReadonlyArray<string>): string => Buffer.from(JSON.stringify(parts), "utf8").toString("base64url")

const decode = (raw: string, arity: number): ReadonlyArray<string> | undefined => {
  if (raw.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(raw)) return undefined
  try {
    const parts: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"))
    return Array.isArray(parts) && parts.length === arity && parts.every((p) => typeof p === "string")
      ? parts as ReadonlyArray<string>
      : undefined
  } catch {
    return undefined
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Is this a request id (a UUID, lower or upper case)? Anything else is not found without asking the database. */
export const isRequestId = (raw: string): boolean => UUID.test(raw.toLowerCase())

export const encodeRequestCursor = (c: RequestCursor): string => encode([c.received_at.toISOString(), c.request_id])

export const parseRequestCursor = (raw: string | undefined): Either.Either<RequestCursor | undefined, ValidationError> => {
  if (raw === undefined || raw === "") return Either.right(undefined)
  const parts = decode(raw, 2)
  const ms = parts === undefined ? Number.NaN : Date.parse(parts[0]!)
  if (parts === undefined || Number.isNaN(ms) || !isRequestId(parts[1]!)) return Either.left(notACursor(raw))
  return Either.right({ received_at: new Date(ms), request_id: parts[1]!.toLowerCase() })
}

/** Dead-letter cursors wrap the store's `next` (a letter id). */
export const encodeLetterCursor = (next: string): string => encode([next])

export const parseLetterCursor = (raw: string | undefined): Either.Either<string | undefined, ValidationError> => {
  if (raw === undefined || raw === "") return Either.right(undefined)
  const parts = decode(raw, 1)
  return parts === undefined || !/^[0-9A-Za-z:._-]{1,64}$/.test(parts[0]!) ? Either.left(notACursor(raw)) : Either.right(parts[0]!)
}
