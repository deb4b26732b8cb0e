/**
 * The request filter of `switchboard requests list|replay` as options named after the API's query
 * parameters, checked by the API's own parser (src/console/Query.ts): both refuse the same input with the
 * same words, the CLI naming its option (`--query must be 3 to 200 characters …`). Also the exact command
 * line that continues a page, with lookbacks pinned to the instants they meant.
 */
import { Options } from "@effect/cli"
import { Clock, Effect, Either, Option } from "effect"
import * as Query from "../console/Query.js"
import { Lifecycle, MAX_QUERY_CHARS, MIN_QUERY_CHARS, type RequestFilterParams } from "../domain/Console.js"
import { Channel } from "../domain/Envelope.js"
import { ValidationError } from "../domain/Errors.js"
import type { RequestCursor, RequestFilter } from "../../services/RequestLog.js"

const text = (name: string, description: string) =>
  Options.text(name).pipe(Options.optional, Options.withDescription(description))

/** The filter options, spread into a command's config. */
export const options = {
  channel: text("channel", `only requests from this source channel (${Channel.literals.join(", ")})`),
  provider: text("provider", "only requests from this source provider"),
  endpoint: text("endpoint", "only requests from this source endpoint_identity"),
  sender: text("sender", "only requests from this sender identity"),
  lifecycle: text("lifecycle", `only requests in this state: ${Lifecycle.literals.join(", ")}`),
  since: text("since", "only requests received at or after this: an RFC 3339 time with an offset, or a lookback such as 24h"),
  until: text("until", "only requests received before this: an RFC 3339 time with an offset, or a lookback such as 1h"),
  // The API's `q`; @effect/cli makes a one-letter name a short option, so it is --query with the alias -q.
  q: text("query", `only requests whose normalized_text contains this, in any case (${MIN_QUERY_CHARS} to ${MAX_QUERY_CHARS} characters; the API's q)`)
    .pipe(Options.withAlias("q"))
}

/** The CLI option of each API parameter. */
const optionOf = (param: string): string => (param === "q" ? "--query" : `--${param}`)

export type FilterOptions = { readonly [K in keyof typeof options]: Option.Option<string> }

/** The API's error with each parameter named as the CLI's option (`--since …`). */
const asOptions = (e: ValidationError): ValidationError => {
  const issues = e.issues.map((i) => ({ path: optionOf(i.path), message: i.message }))
  return new ValidationError({ message: issues.map((i) => `${i.path} ${i.message}`).join("; "), issues })
}

const params = (o: FilterOptions): RequestFilterParams => {
  const given: { -readonly [K in keyof RequestFilterParams]: RequestFilterParams[K] } = {}
  for (const key of Object.keys(options) as ReadonlyArray<keyof typeof options>) {
    if (Option.isSome(o[key])) given[key] = o[key].value
  }
  return given
}

/** The checked filter; lookbacks are taken back from the Clock's now. */
export const parse = (o: FilterOptions): Effect.Effect<RequestFilter, ValidationError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => Either.mapLeft(Query.parseFilter(params(o), now), asOptions))

/** `--limit`: 1 to `max`, `fallback` when not given. */
export const limit = (given: Option.Option<number>, fallback: number, max: number): Effect.Effect<number, ValidationError> =>
  Either.mapLeft(Query.parseLimit(Option.getOrUndefined(Option.map(given, String)), fallback, max), asOptions)

/** `--cursor`: a `meta.next_cursor` of the API or the cursor a previous command printed. */
export const cursor = (given: Option.Option<string>): Effect.Effect<RequestCursor | undefined, ValidationError> =>
  Either.mapLeft(Query.parseRequestCursor(Option.getOrUndefined(given)), asOptions)

/** The filter as options again; lookbacks become the instants they meant, so a next page asks the same. */
export const asArgs = (filter: RequestFilter): ReadonlyArray<string> => {
  const args: Array<string> = []
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) args.push(`--${name}`, value)
  }
  add("channel", filter.channel)
  add("provider", filter.provider)
  add("endpoint", filter.endpoint)
  add("sender", filter.sender)
  add("lifecycle", filter.lifecycle)
  add("since", filter.since?.toISOString())
  add("until", filter.until?.toISOString())
  add("query", filter.q)
  return args
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/

/**
 * One word for a POSIX shell. Words with control or invisible characters use bash's $'…' with escapes, so
 * the printed line never carries them to the terminal.
 */
export const shellWord = (s: string): string => {
  if (SAFE.test(s)) return s
  if (!CONTROL.test(s)) return `'${s.replace(/'/g, `'\\''`)}'`
  const escaped = [...s].map((c) => {
    const code = c.codePointAt(0)!
    if (c === "'" || c === "\\") return `\\${c}`
    if (!CONTROL.test(c)) return c
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`
  })
  return `$'${escaped.join("")}'`
}

/** `switchboard …args` as one line to copy into a shell. */
export const commandLine = (args: ReadonlyArray<string>): string => ["switchboard", ...args].map(shellWord).join(" ")
