/**
 * One request as text for `switchboard requests show`, and the paging a bulk replay walks. Everything
 * printed from a request is untrusted: single-line fields go through the delivery error sanitizer, the
 * text keeps its lines but loses control characters, the payload is JSON with invisible characters
 * escaped, and text and payload are cut at a bound that the output names.
 */
import { Console } from "effect"
import type { DeliveryDetail, RequestDetail } from "../domain/Console.js"
import { sanitize } from "../delivery/RetryPolicy.js"

/** Characters of normalized_text shown (--json prints all of it). */
export const TEXT_SHOWN = 4000
/** Characters of the pretty-printed raw payload shown. */
export const PAYLOAD_SHOWN = 8000

const one = (s: string | null, max = 200) => (s === null ? "-" : sanitize(s, max))

/** Cuts at `max` characters without splitting a surrogate pair; says how much was left out. */
const bounded = (s: string, max: number, what: string): ReadonlyArray<string> => {
  if (s.length <= max) return [s]
  const cut = /[\ud800-\udbff]/.test(s.charAt(max - 1)) ? max - 1 : max
  return [s.slice(0, cut), `… cut: ${what} shows ${cut} of ${s.length} characters; --json prints all of it`]
}

// C0 (but tab and newline), DEL, C1, zero-width and bidirectional controls: never sent to a terminal.
const CONTROL_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g
// What JSON.stringify leaves unescaped among those (it escapes C0 and lone surrogates itself).
const CONTROL_JSON = /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g

const hex4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`

/** Pretty JSON whose strings carry invisible characters as \u escapes (still valid JSON, nothing lost). */
const prettyJson = (value: unknown): string => (JSON.stringify(value, null, 2) ?? "null").replace(CONTROL_JSON, hex4)

const indent = (text: string, by = "  ") => text.split("\n").map((l) => `${by}${l}`)

/** Rows as aligned columns, indented. */
const grid = (rows: ReadonlyArray<ReadonlyArray<string>>, by: string): ReadonlyArray<string> => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => `${by}${r.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`.trimEnd())
}

const delivery = (d: DeliveryDetail): ReadonlyArray<string> => {
  const state = d.paused
    ? `${d.status}, target paused (waits for: switchboard targets resume ${d.target})`
    : d.status === "pending" && d.next_attempt_at !== null
    ? `pending, next attempt ${d.next_attempt_at}`
    : d.status
  const head = [
    `  ${d.target}: ${state}`,
    `    webhook-id ${d.webhook_id}, ${d.attempts} attempt(s)${d.delivered_at === null ? "" : `, delivered ${d.delivered_at}`}`
  ]
  if (d.history.length === 0) return [...head, "    no attempt yet"]
  const rows = d.history.map((a) => [
    String(a.attempt),
    a.attempted_at,
    a.status === null ? "no answer" : `HTTP ${a.status}`,
    a.latency_ms === null ? "-" : `${a.latency_ms} ms`,
    a.outcome,
    one(a.next_attempt_at),
    one(a.error, 120)
  ])
  return [
    ...head,
    ...(d.history_truncated ? [`    (older attempts left out: the newest ${d.history.length} are shown)`] : []),
    ...grid([["#", "time", "status", "latency", "outcome", "next attempt", "error"], ...rows], "    ")
  ]
}

/** The request as lines of text. */
export const lines = (d: RequestDetail): ReadonlyArray<string> => {
  const text = d.normalized_text.replace(CONTROL_TEXT, " ")
  return [
    `request     ${d.request_id}`,
    `state       ${d.lifecycle_state}`,
    `received    ${d.received_at} (observed ${d.observed_at})`,
    `source      ${one(`${d.source.channel} / ${d.source.provider} / ${d.source.endpoint_identity}`, 400)}`,
    `sender      ${one(d.sender_identity)}`,
    `event       ${one(d.external_event_id)} (thread ${one(d.external_thread_id)})`,
    `tiers       policy ${one(d.policy_tier)}, ingestion ${one(d.ingestion_tier)}`,
    `dedupe key  ${one(d.dedupe.key, 2000)}`,
    `            rule ${d.dedupe.rule}: ${one(d.dedupe.explanation, 400)}`,
    "",
    `text (${d.normalized_text.length} characters):`,
    ...bounded(text, TEXT_SHOWN, "the text").flatMap((part) => indent(part)),
    "",
    `deliveries (${d.deliveries.length}):`,
    ...(d.deliveries.length === 0 ? ["  none (no target matched)"] : d.deliveries.flatMap(delivery)),
    "",
    `attachments (${d.attachments.length})${d.attachments.length === 0 ? "" : ":"}`,
    ...d.attachments.flatMap((a) => bounded(prettyJson(a), 400, "the attachment").flatMap((part) => indent(part))),
    "",
    "payload (raw):",
    ...bounded(prettyJson(d.raw), PAYLOAD_SHOWN, "the payload").flatMap((part) => indent(part))
  ]
}

export const print = (d: RequestDetail) => Console.log(lines(d).join("\n"))

export { collect } from "../console/Collect.js"
