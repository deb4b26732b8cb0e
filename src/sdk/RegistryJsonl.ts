/**
 * The seed's JSONL registry format (`connectors export --jsonl` / `connectors import`): one RegistryEntry
 * a line, fields in the seed's order. An import is checked whole before anything is stored: every bad
 * line is reported with its number and path; an id may appear once. Timestamps in an imported line are
 * informational — the registry stamps its own events.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { ResourceInvalid } from "../domain/ConnectorErrors.js"
import { RegistryEntry } from "../../services/ConnectorRegistry.js"
import { type Issue, registerIssues } from "./RegistryInput.js"
import { depthIssue } from "../domain/Text.js"

/** An entry nests two levels (the object, its scopes); anything deeper is refused before decoding. */
const ENTRY_DEPTH = 4

export const MAX_IMPORT_LINES = 1_000
export const MAX_LINE_CHARS = 8 * 1024
/** An import body: at most this many bytes (the HTTP route's cap). */
export const MAX_IMPORT_BYTES = 1024 * 1024

/** One line per entry, in the seed's field order. */
export const encode = (entries: ReadonlyArray<RegistryEntry>): string =>
  entries.map((e) =>
    JSON.stringify({
      connector_id: e.connector_id,
      module: e.module,
      class_name: e.class_name,
      enabled: e.enabled,
      auth_type: e.auth_type,
      scopes: e.scopes,
      created_at: e.created_at,
      updated_at: e.updated_at
    })
  ).map((line) => `${line}\n`).join("")

const decodeEntry = Schema.decodeUnknownEither(RegistryEntry)

const pathOf = (path: ReadonlyArray<PropertyKey>) =>
  path.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("").replace(/^\./, "")

/** Every entry of a JSONL text (blank lines skipped), or every problem, each naming `line N` and its field. */
export const decode = (text: string, builtinIds: ReadonlySet<string>): Effect.Effect<ReadonlyArray<RegistryEntry>, ResourceInvalid> => {
  const lines = text.split("\n")
  const issues: Array<Issue> = []
  const entries: Array<RegistryEntry> = []
  const seen = new Map<string, number>()
  const counted = lines.filter((l) => l.trim() !== "").length
  if (counted > MAX_IMPORT_LINES) {
    issues.push({ path: "(body)", message: `at most ${MAX_IMPORT_LINES} lines (got ${counted})` })
  }
  lines.slice(0, MAX_IMPORT_LINES * 2).forEach((raw, i) => {
    const n = i + 1
    const line = raw.trim()
    if (line === "" || issues.length >= 50) return
    if (line.length > MAX_LINE_CHARS) return issues.push({ path: `line ${n}`, message: `longer than ${MAX_LINE_CHARS} characters` })
    const parsed = Either.try({ try: (): unknown => JSON.parse(line), catch: (e) => (e instanceof Error ? e.message : "parse error") })
    if (Either.isLeft(parsed)) return issues.push({ path: `line ${n}`, message: `malformed JSON: ${parsed.left}` })
    // Before decoding: a schema error prints the value it refused, and printing one nested thousands deep overflows the stack.
    const deep = depthIssue(parsed.right, ENTRY_DEPTH)
    if (deep !== undefined) return issues.push({ path: `line ${n}`, message: deep.message })
    const entry = decodeEntry(parsed.right, { errors: "all", onExcessProperty: "error" })
    if (Either.isLeft(entry)) {
      for (const issue of ParseResult.ArrayFormatter.formatErrorSync(entry.left)) {
        const field = pathOf(issue.path)
        issues.push({ path: field === "" ? `line ${n}` : `line ${n}: ${field}`, message: issue.message })
      }
      return
    }
    for (const issue of registerIssues(entry.right, builtinIds)) issues.push({ path: `line ${n}: ${issue.path}`, message: issue.message })
    const earlier = seen.get(entry.right.connector_id)
    if (earlier !== undefined) {
      issues.push({ path: `line ${n}: connector_id`, message: `${entry.right.connector_id} is already on line ${earlier}` })
    }
    seen.set(entry.right.connector_id, n)
    entries.push(entry.right)
  })
  if (issues.length === 0 && entries.length === 0) issues.push({ path: "(body)", message: "no entries: expected one JSON object per line" })
  return issues.length === 0
    ? Effect.succeed(entries)
    : Effect.fail(
      new ResourceInvalid({
        message: `import refused, nothing was changed: ${issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join("; ")}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ""}`,
        issues
      })
    )
}
