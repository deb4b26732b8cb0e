/**
 * What `switchboard checkpoints` reads from the command line and prints: a `--cursor` checked before it
 * can reach the database (JSON object, CheckpointCursor's bounds; the problem is named, the value never
 * echoed), schema problems as one line, and JSON that cannot drive a terminal (C1 controls, bidi
 * overrides and line separators inside strings are written as \u escapes, which is still the same JSON).
 */
import { Either, ParseResult, Schema } from "effect"
import { CheckpointCursor, MAX_CURSOR_BYTES, type StoredCheckpoint } from "../domain/Checkpoint.js"
import { utf8Bytes } from "../domain/Text.js"
import { sanitize } from "../delivery/RetryPolicy.js"

/** Longest `--cursor` text read: room for indentation around a cursor of MAX_CURSOR_BYTES compact bytes. */
export const MAX_CURSOR_TEXT_BYTES = 4 * MAX_CURSOR_BYTES

/** A checkpoint as listed: with the runner its connector last started on (switchboard_singletons), if any. */
export interface Listed extends StoredCheckpoint {
  /** The runner (`host:port`, `single`) the hosted connector last started on; null when none did. */
  readonly runner: string | null
  /** ISO 8601, when it started there. */
  readonly runner_started_at: string | null
}

const UNSAFE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g

/** JSON text of `value` (indented by `indent`) without characters that move or recolour a terminal. */
export const safeJson = (value: unknown, indent?: number): string =>
  (JSON.stringify(value, null, indent) ?? "null").replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

const MAX_PATH_CHARS = 120

/** `$["a"][0]` for a path inside a value: each key cut short and escaped as JSON (a NUL shows as \u0000), the whole bounded. */
const pathText = (path: ReadonlyArray<PropertyKey>): string => {
  const key = (p: string) => safeJson(p.length > 24 ? `${p.slice(0, 24)}…` : p)
  const text = "$" + path.map((p) => typeof p === "number" ? `[${p}]` : `[${key(String(p))}]`).join("")
  return text.length > MAX_PATH_CHARS ? `${text.slice(0, MAX_PATH_CHARS - 1)}…` : text
}

/** The first problem of `value` against `schema` as `field: message`, or the decoded value. */
export const decodeOne = <A, I>(schema: Schema.Schema<A, I>, value: unknown): Either.Either<A, string> =>
  Either.mapLeft(Schema.decodeUnknownEither(schema, { errors: "first" })(value), (error) => {
    const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
    if (issue === undefined) return "is not valid"
    const where = issue.path.length === 0 ? "" : `${issue.path.map(String).map((p) => sanitize(p, 40)).join(".")}: `
    return `${where}${sanitize(issue.message, 200)}`
  })

const kindOf = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`

/**
 * The cursor `--cursor` gives, or why it cannot be stored: not JSON, not an object, larger than
 * MAX_CURSOR_BYTES as compact JSON, nested deeper than MAX_CURSOR_DEPTH, a key or string Postgres cannot
 * store. The value itself is never part of the message.
 */
export const parseCursor = (text: string): Either.Either<Record<string, unknown>, string> => {
  const bytes = utf8Bytes(text)
  if (bytes > MAX_CURSOR_TEXT_BYTES) {
    return Either.left(`--cursor is ${bytes} bytes: a cursor is at most ${MAX_CURSOR_BYTES} bytes as compact JSON`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return Either.left(`--cursor is not valid JSON: give a JSON object, e.g. --cursor '{"last_update_id":42}'`)
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return Either.left(`--cursor must be a JSON object, not ${kindOf(parsed)}, e.g. --cursor '{"last_update_id":42}'`)
  }
  const decoded = Schema.decodeUnknownEither(CheckpointCursor, { errors: "first" })(parsed)
  if (Either.isRight(decoded)) return Either.right(parsed as Record<string, unknown>)
  const issue = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)[0]
  const where = issue === undefined || issue.path.length === 0 ? "" : ` at ${pathText(issue.path)}`
  return Either.left(`--cursor${where}: ${sanitize(issue?.message ?? "is not a valid cursor", 200)}`)
}

/** `channel/provider/endpoint`, printable. */
export const sourceText = (c: StoredCheckpoint, max = 60) =>
  sanitize(`${c.source.channel}/${c.source.provider}/${c.source.endpoint_identity}`, max)

/**
 * The columns of `checkpoints list` (times to the second), the cursor (compact JSON) cut so that a row fits
 * `width`, though never below 16 characters.
 */
export const rows = (listed: ReadonlyArray<Listed>, width: number) => {
  const cells = listed.map((c) => ({
    type: c.connector_type,
    source: sourceText(c),
    updated_at: c.updated_at.replace(/\.\d{3}Z$/, "Z"),
    updated_by: sanitize(c.updated_by, 40),
    commits: String(c.commits),
    runner: c.runner === null ? "-" : sanitize(c.runner, 40)
  }))
  const fixed = ["type", "source", "updated_at", "updated_by", "commits", "runner"] as const
  const used = fixed.reduce((sum, col) => sum + Math.max(col.length, ...cells.map((r) => r[col].length)) + 2, 0)
  const room = Math.max(16, width - used)
  return {
    columns: [...fixed, "cursor"],
    rows: cells.map((r, i) => ({ ...r, cursor: sanitize(safeJson(listed[i]!.cursor), room) }))
  }
}

/** `checkpoints show` for people: every field, the cursor pretty-printed. */
export const detail = (c: Listed): string =>
  [
    `connector type  ${c.connector_type}`,
    `source          ${sourceText(c, 400)}`,
    `updated at      ${c.updated_at}`,
    `updated by      ${sanitize(c.updated_by, 200)}`,
    `commits         ${c.commits}`,
    `runner          ${c.runner === null ? "- (no hub has run it as a hosted connector)" : `${sanitize(c.runner, 200)} (started ${c.runner_started_at})`}`,
    "cursor:",
    safeJson(c.cursor, 2)
  ].join("\n")
