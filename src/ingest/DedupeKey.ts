/** The dedupe key of an envelope (DESIGN.md §5.2): the first rule that applies wins. */
import { createHash } from "node:crypto"
import type { IngestEnvelopeV1 } from "../domain/Envelope.js"

/** External ids that carry no identity and must not be used as dedupe keys. */
const PLACEHOLDER_IDS = new Set(["unknown", "none", "null", "undefined", "n/a", "na", "-", "0", "nil"])

export const isPlaceholderId = (id: string): boolean => PLACEHOLDER_IDS.has(id.trim().toLowerCase())

export const DEFAULT_HASH_WINDOW_MS = 60 * 60 * 1000

/** The UTC start of the fixed window that holds `observedAt`, as an ISO string. */
export const bucketStart = (observedAt: string, windowMs: number = DEFAULT_HASH_WINDOW_MS): string => {
  const t = Date.parse(observedAt)
  return new Date(t - (((t % windowMs) + windowMs) % windowMs)).toISOString()
}

export const dedupeKey = (e: IngestEnvelopeV1, windowMs: number = DEFAULT_HASH_WINDOW_MS): string => {
  const scope = `${e.source.channel}:${e.source.provider}:${e.source.endpoint_identity}`
  const idem = e.control?.idempotency_key
  if (idem !== undefined) return `idem:${scope}:${idem}`
  const eventId = e.event.external_event_id
  if (eventId !== undefined && !isPlaceholderId(eventId)) return `event:${scope}:${eventId}`
  const digest = createHash("sha256").update(e.payload.normalized_text, "utf8").digest("hex")
  return `hash:${scope}:${e.sender.identity}:${bucketStart(e.event.observed_at, windowMs)}:${digest}`
}
