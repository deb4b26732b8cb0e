/**
 * A parsed Gmail message → `ingest.v1` envelope (pure). Ids: the RFC 5322 Message-ID (Gmail's id when
 * missing or unusable), the thread, the normalised From address; time: `internalDate` (else the Date
 * header, else the epoch, as noted in `payload.raw`); text: subject and body, cut at a character
 * boundary to the envelope's 64 KiB (reported, never refused). `payload.raw` is bounded metadata:
 * Gmail's ids and labels, selected headers and how the text was obtained — never the body.
 */
import { Option } from "effect"
import type { Message } from "../../../services/GmailApi.js"
import { type Attachment, type IngestEnvelopeInput, MAX_ATTACHMENTS, MAX_NORMALIZED_TEXT_BYTES } from "../../domain/Envelope.js"
import { utf8Bytes } from "../../domain/Text.js"
import { timestampProblem } from "../../domain/Timestamp.js"
import { cutUtf8, oneLine } from "./Decode.js"
import type { Parsed } from "./Parsed.js"

/** A Message-ID longer than this is not used as the event id (the idempotency key must stay under 1 KiB). */
export const MAX_MESSAGE_ID_BYTES = 512
/** The sender identity of a mail whose From, Sender and Return-Path name no address. */
export const UNKNOWN_SENDER = "unknown"
/** Headers copied into `payload.raw` (first value each, at most MAX_RAW_HEADER_BYTES). */
export const RAW_HEADERS = [
  "from",
  "sender",
  "to",
  "cc",
  "reply-to",
  "subject",
  "date",
  "message-id",
  "in-reply-to",
  "references",
  "list-id",
  "delivered-to",
  "return-path",
  "auto-submitted",
  "precedence",
  "content-type"
] as const
export const MAX_RAW_HEADER_BYTES = 2048
const MAX_LABELS = 100

const EPOCH = "1970-01-01T00:00:00Z"

/** Milliseconds since the epoch as RFC 3339 UTC (whole seconds without fractions). */
export const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z")

/** When the message was received, and which field said so. */
export const observedAt = (message: Message, parsed: Parsed): { at: string; from: "internalDate" | "date" | "epoch" } => {
  const internal = message.internalDate
  if (internal !== undefined && /^\d{1,15}$/.test(internal)) {
    const at = rfc3339(Number(internal))
    if (timestampProblem(at) === undefined) return { at, from: "internalDate" }
  }
  return Option.match(parsed.date, { onNone: () => ({ at: EPOCH, from: "epoch" }), onSome: (at) => ({ at, from: "date" }) })
}

/** The event id: the Message-ID when usable, else Gmail's id; none when both are empty. */
export const eventId = (message: Message, parsed: Parsed): Option.Option<string> =>
  Option.filter(parsed.messageId, (id) => id !== "<>" && utf8Bytes(id) <= MAX_MESSAGE_ID_BYTES).pipe(
    Option.orElse(() => Option.filter(Option.some(oneLine(message.id, MAX_MESSAGE_ID_BYTES)), (id) => id !== ""))
  )

/** Stable per mailbox and message: the same mail fetched again (gap fill, replay, raw refetch) dedupes. */
export const idempotencyKey = (endpoint: string, id: string) => `gmail:${endpoint}:${id}`

/** The normalised From address, or UNKNOWN_SENDER. */
export const senderIdentity = (parsed: Parsed): string =>
  Option.match(parsed.from, { onNone: () => UNKNOWN_SENDER, onSome: (f) => f.address === "" ? UNKNOWN_SENDER : f.address })

/** Subject and body, cut to the envelope limit; `fullBytes` is the length before any cut. */
export const normalizedText = (parsed: Parsed): { text: string; fullBytes: number; truncated: boolean } => {
  const full = [parsed.subject, parsed.text].filter((s) => s !== "").join("\n\n")
  const text = cutUtf8(full, MAX_NORMALIZED_TEXT_BYTES)
  return { text, fullBytes: utf8Bytes(full), truncated: text.length < full.length }
}

const rawHeaders = (parsed: Parsed): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name of RAW_HEADERS) {
    const value = parsed.headers.get(name)?.[0]
    if (value !== undefined) out[name] = oneLine(value, MAX_RAW_HEADER_BYTES)
  }
  return out
}

const finite = (n: number | undefined) => n !== undefined && Number.isFinite(n)

/** Gmail's metadata of the message, selected headers and how it was normalised (bounded; no body). */
export const rawOf = (
  message: Message,
  parsed: Parsed,
  text: ReturnType<typeof normalizedText>,
  observedFrom: string
): Record<string, unknown> => ({
  id: oneLine(message.id, 512),
  threadId: oneLine(message.threadId, 512),
  ...(message.labelIds === undefined ? {} : { labelIds: message.labelIds.slice(0, MAX_LABELS).map((l) => oneLine(l, 256)) }),
  ...(message.historyId === undefined ? {} : { historyId: oneLine(message.historyId, 64) }),
  ...(message.internalDate === undefined ? {} : { internalDate: oneLine(message.internalDate, 64) }),
  ...(finite(message.sizeEstimate) ? { sizeEstimate: message.sizeEstimate } : {}),
  format: parsed.format,
  headers: rawHeaders(parsed),
  normalization: {
    text_source: parsed.textSource,
    text_bytes: text.fullBytes,
    text_truncated: text.truncated,
    observed_at_from: observedFrom,
    attachment_candidates: parsed.attachments.length,
    refetch: Option.match(parsed.refetch, { onNone: () => null, onSome: (r) => r.reason }),
    notes: [...parsed.notes]
  }
})

export const toEnvelope = (
  endpointIdentity: string,
  message: Message,
  parsed: Parsed,
  attachments: ReadonlyArray<Attachment> = []
): IngestEnvelopeInput => {
  const id = eventId(message, parsed)
  const thread = oneLine(message.threadId, 512)
  const observed = observedAt(message, parsed)
  const text = normalizedText(parsed)
  const kept = attachments.slice(0, MAX_ATTACHMENTS)
  return {
    schema_version: "ingest.v1",
    source: { channel: "email", provider: "gmail", endpoint_identity: endpointIdentity },
    event: {
      ...Option.match(id, { onNone: () => ({}), onSome: (external_event_id) => ({ external_event_id }) }),
      external_thread_id: thread === "" ? null : thread,
      observed_at: observed.at
    },
    sender: { identity: senderIdentity(parsed) },
    payload: {
      raw: rawOf(message, parsed, text, observed.from),
      normalized_text: text.text,
      ...(kept.length === 0 ? {} : { attachments: kept })
    },
    ...Option.match(id, {
      onNone: () => ({}),
      onSome: (key) => ({ control: { idempotency_key: idempotencyKey(endpointIdentity, key) } })
    })
  }
}
