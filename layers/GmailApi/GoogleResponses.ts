/**
 * Reading Google's HTTP answers for HttpGmailApi and GoogleOAuth: bodies as text then JSON, decode
 * failures described by their paths only (an answer's values — mail text, tokens — never reach an
 * error), `Retry-After` in seconds or as an HTTP date, and every secret scrubbed from error details.
 */
import type { HttpClientError, HttpClientResponse } from "@effect/platform"
import { Duration, Effect, Either, ParseResult, Redacted, Schema } from "effect"
import { GmailHttpError } from "../../services/GmailApi.js"

/** Longest error detail taken from an answer. */
export const MAX_DETAIL = 300

/** Removes every secret value from `text` and cuts it to `MAX_DETAIL` characters. */
export const scrubber = (secrets: () => ReadonlyArray<Redacted.Redacted<string> | string>) => (text: string) => {
  let out = text
  for (const secret of secrets()) {
    const value = typeof secret === "string" ? secret : Redacted.value(secret)
    if (value.length >= 4) out = out.split(value).join("<redacted>")
  }
  return out.length > MAX_DETAIL ? `${out.slice(0, MAX_DETAIL)}…` : out
}

/** `Retry-After` as delta-seconds or an HTTP date (relative to `nowMs`); absent or unreadable → undefined. */
export const retryAfterOf = (
  response: HttpClientResponse.HttpClientResponse,
  nowMs: number
): Duration.Duration | undefined => {
  const value = response.headers["retry-after"]?.trim()
  if (value === undefined || value === "") return undefined
  if (/^\d{1,9}$/.test(value)) return Duration.seconds(Number(value))
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Duration.millis(Math.max(0, at - nowMs))
}

/** The body parsed as JSON, or `undefined` when it is empty or not JSON. */
export const parseJson = (text: string): unknown => {
  if (text.trim() === "") return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** Where a body failed its Schema, without the values found there ("Missing at messages.0.threadId"). */
export const describeParseError = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const shown = issues.slice(0, 5).map((i) => `${i._tag} at ${i.path.length === 0 ? "(root)" : i.path.join(".")}`)
  return `unexpected answer shape (${shown.join("; ")}${issues.length > 5 ? `; ${issues.length - 5} more` : ""})`
}

/** Decodes a 2xx body; anything else than the documented shape is a Decode error, never a defect. */
export const decodeBody = <A, I>(
  method: string,
  schema: Schema.Schema<A, I>,
  text: string
): Effect.Effect<A, GmailHttpError> => {
  const json = parseJson(text)
  if (json === undefined) {
    return Effect.fail(new GmailHttpError({ method, reason: "Decode", detail: "the answer is not JSON" }))
  }
  return Either.match(Schema.decodeUnknownEither(schema, { errors: "all" })(json), {
    onLeft: (e): Effect.Effect<A, GmailHttpError> =>
      Effect.fail(new GmailHttpError({ method, reason: "Decode", detail: describeParseError(e) })),
    onRight: (a): Effect.Effect<A, GmailHttpError> => Effect.succeed(a)
  })
}

/** The innermost useful message of a transport failure (undici nests the socket error). */
const causeMessage = (cause: unknown): string | undefined =>
  cause instanceof Error
    ? (cause.cause instanceof Error ? `${cause.message} (${cause.cause.message})` : cause.message)
    : undefined

export const transportError = (method: string, scrub: (text: string) => string) =>
(error: HttpClientError.HttpClientError) =>
  new GmailHttpError({
    method,
    reason: "Transport",
    // the reason and the socket error only: the description can carry the request URL
    detail: scrub([error.reason, causeMessage(error.cause)].filter((s) => s !== undefined && s !== "").join(": "))
  })

export const timeoutError = (method: string, after: Duration.DurationInput) => () =>
  new GmailHttpError({ method, reason: "Timeout", detail: `no answer within ${Duration.format(after)}` })
