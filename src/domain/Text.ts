/**
 * What a user string or JSON value must be before it may reach SQL, a log or a metric label. One rule
 * everywhere: a value Postgres cannot store exactly as received is rejected (400, naming its path), never
 * altered. Postgres text and jsonb refuse NUL (U+0000), and lone UTF-16 surrogates cannot be encoded as
 * UTF-8 (they would be stored as U+FFFD, not as sent); JSON numbers beyond a double (`1e400`) parse to
 * Infinity and would be stored as `null`; nesting deeper than `MAX_JSON_DEPTH` cannot be serialised safely.
 */
import { Schema } from "effect"

/** Deepest nesting of objects and arrays accepted inside a JSON value (raw payloads, trace context). */
export const MAX_JSON_DEPTH = 64

/** Why a string cannot be stored as it is, or undefined when it can. */
export const unstorable = (s: string): string | undefined => {
  if (s.includes("\u0000")) return "must not contain NUL (U+0000) characters"
  if (!isWellFormed(s)) return "must not contain lone UTF-16 surrogates (not valid Unicode)"
  return undefined
}

// Node 20 has String.prototype.isWellFormed (ES2024); the project's lib is ES2022.
const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed()

/** Byte length of a string as UTF-8. */
export const utf8Bytes = (s: string): number => Buffer.byteLength(s, "utf8")

/** A string that Postgres stores exactly as received (no NUL, no lone surrogates). */
export const StorableString = Schema.String.pipe(Schema.filter((s) => unstorable(s) ?? true))

const storable = <A extends string, I, R>(self: Schema.Schema<A, I, R>) =>
  self.pipe(Schema.filter((s) => unstorable(s) ?? true))

/** Why `s` is longer than `maxBytes` bytes of UTF-8, or undefined. */
export const tooLong = (s: string, maxBytes: number): string | undefined => {
  const n = utf8Bytes(s)
  return n <= maxBytes ? undefined : `must be at most ${maxBytes} bytes of UTF-8 (got ${n})`
}

/** Why `s` is not a storable string of at most `maxBytes` bytes, or undefined (the rule outside schemas). */
export const boundedProblem = (s: string, maxBytes: number): string | undefined => unstorable(s) ?? tooLong(s, maxBytes)

const atMostBytes = (maxBytes: number) => <A extends string, I, R>(self: Schema.Schema<A, I, R>) =>
  self.pipe(Schema.filter((s) => tooLong(s, maxBytes) ?? true, {
    description: `at most ${maxBytes} bytes of UTF-8, no NUL, no lone surrogates`
  }))

/** A storable string of at most `maxBytes` bytes of UTF-8. */
export const boundedString = (maxBytes: number) => StorableString.pipe(atMostBytes(maxBytes))

/**
 * A required string: trimmed on decode, then it must not be empty, must be storable and at most
 * `maxBytes` bytes of UTF-8.
 */
export const requiredString = (maxBytes: number) =>
  Schema.Trim.pipe(
    Schema.minLength(1, { message: () => "must not be empty (after trimming)" }),
    storable,
    atMostBytes(maxBytes)
  )

export interface JsonIssue {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

/**
 * The first reason a parsed JSON value cannot be stored exactly as received: a key or string that is not
 * storable, a non-finite number, or nesting deeper than `maxDepth`. Iterative, so a hostile depth cannot
 * exhaust the stack.
 */
export const jsonIssue = (value: unknown, maxDepth: number = MAX_JSON_DEPTH, depthOnly = false): JsonIssue | undefined => {
  const stack: Array<{ readonly value: unknown; readonly path: ReadonlyArray<string | number> }> = [{ value, path: [] }]
  while (stack.length > 0) {
    const { path, value: v } = stack.pop()!
    if (depthOnly && (typeof v !== "object" || v === null)) continue
    if (typeof v === "string") {
      const why = unstorable(v)
      if (why !== undefined) return { path, message: why }
    } else if (typeof v === "number") {
      if (!Number.isFinite(v)) return { path, message: "must be a finite number (JSON numbers beyond ±1.8e308 cannot be stored)" }
    } else if (typeof v === "object" && v !== null) {
      if (path.length >= maxDepth) {
        return { path, message: `nests deeper than ${maxDepth} levels of objects and arrays` }
      }
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i] })
      } else {
        const keys = Object.keys(v)
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i]!
          const why = depthOnly ? undefined : unstorable(key)
          if (why !== undefined) return { path: [...path, key], message: `key ${why}` }
          stack.push({ value: (v as Record<string, unknown>)[key], path: [...path, key] })
        }
      }
    }
  }
  return undefined
}

/**
 * Deepest nesting accepted anywhere in a request body: raw payloads may nest MAX_JSON_DEPTH levels inside
 * the envelope's own few. Checked before schema decoding, whose error messages would print the value.
 */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH + 8

/** The first place where a parsed body nests deeper than `maxDepth`, if any (iterative). */
export const depthIssue = (value: unknown, maxDepth: number = MAX_BODY_DEPTH): JsonIssue | undefined =>
  jsonIssue(value, maxDepth, true)

/** Size of a value as compact JSON; 0 for one JSON cannot encode (left to the validator to name). */
export const jsonBytes = (value: unknown): number => {
  try {
    return utf8Bytes(JSON.stringify(value) ?? "")
  } catch {
    return 0
  }
}

/** Short, printable form of an untrusted value for an error message: never the whole value. */
export const excerpt = (s: string, max = 40): string => {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s
  return JSON.stringify(cut)
}
