/**
 * How a stored dedupe key was made (DESIGN.md §5.2), in words, for a request's detail. The key alone is
 * ambiguous (an endpoint or sender identity may contain ':'), so it is read against the request's own
 * source and sender, which are exactly the parts the rules put into it.
 */
import type { DedupeDerivation } from "../domain/Console.js"
import { DEFAULT_HASH_WINDOW_MS } from "../ingest/DedupeKey.js"

/** The parts of a request that its dedupe key is built from. */
export interface KeyParts {
  readonly channel: string
  readonly provider: string
  readonly endpoint_identity: string
  readonly sender_identity: string
}

/** Long parts are cut in explanations (a key may be up to an envelope's field limits long). */
const MAX_PART_CHARS = 120

const quoted = (s: string) => JSON.stringify(s.length > MAX_PART_CHARS ? `${s.slice(0, MAX_PART_CHARS)}…` : s)

const windowInWords = (ms: number) =>
  ms % 3_600_000 === 0 ? (ms === 3_600_000 ? "hour" : `${ms / 3_600_000}-hour`) : `${ms / 60_000}-minute`

const scopeOf = (p: KeyParts) => `${p.channel}:${p.provider}:${p.endpoint_identity}`
const sourceInWords = (p: KeyParts) =>
  `source ${quoted(p.channel)} / ${quoted(p.provider)} / ${quoted(p.endpoint_identity)}`

const DIGEST = /^(.+):([0-9a-f]{64})$/

const hash = (key: string, rest: string, p: KeyParts): DedupeDerivation => {
  const senderPrefix = `${p.sender_identity}:`
  const m = rest.startsWith(senderPrefix) ? DIGEST.exec(rest.slice(senderPrefix.length)) : null
  const bucket = m?.[1]
  const digest = m?.[2]
  if (bucket === undefined || digest === undefined || Number.isNaN(Date.parse(bucket))) {
    return {
      key,
      rule: "content_hash",
      explanation: `A content hash key (no idempotency key, no usable external event id) for ${sourceInWords(p)}; ` +
        `its sender, window and digest could not be matched to this request's sender ${quoted(p.sender_identity)}.`
    }
  }
  return {
    key,
    rule: "content_hash",
    explanation: `No idempotency key and no usable external event id, so the key is the SHA-256 of normalized_text ` +
      `(${digest.slice(0, 12)}…) from sender ${quoted(p.sender_identity)} at ${sourceInWords(p)}, in the ` +
      `${windowInWords(DEFAULT_HASH_WINDOW_MS)} window starting ${bucket} (the window holding observed_at): ` +
      `the same text from the same sender in that window is a duplicate.`
  }
}

/**
 * The rule that made `key` and why, read against the request's parts. A key without one of the three
 * prefixes was not made by ingest (generated data, a hand-written row): it is reported as such.
 */
export const derive = (key: string, parts: KeyParts): DedupeDerivation => {
  const colon = key.indexOf(":")
  const prefix = colon < 0 ? key : key.slice(0, colon)
  const afterPrefix = colon < 0 ? "" : key.slice(colon + 1)
  const scope = `${scopeOf(parts)}:`
  const rest = afterPrefix.startsWith(scope) ? afterPrefix.slice(scope.length) : undefined
  switch (prefix) {
    case "idem":
      return {
        key,
        rule: "idempotency_key",
        explanation: rest === undefined
          ? `An idempotency key (control.idempotency_key), but not scoped to this request's ${sourceInWords(parts)}.`
          : `The sender's idempotency key ${quoted(rest)} (control.idempotency_key), scoped to ${sourceInWords(parts)}: ` +
            `any request with that key from that source is a duplicate, whatever its content.`
      }
    case "event":
      return {
        key,
        rule: "external_event_id",
        explanation: rest === undefined
          ? `An external event id (event.external_event_id), but not scoped to this request's ${sourceInWords(parts)}.`
          : `No idempotency key, so the provider's event id ${quoted(rest)} (event.external_event_id), scoped to ` +
            `${sourceInWords(parts)}: the same event delivered again by the provider is a duplicate.`
      }
    case "hash":
      return rest === undefined
        ? {
          key,
          rule: "content_hash",
          explanation: `A content hash key, but not scoped to this request's ${sourceInWords(parts)}.`
        }
        : hash(key, rest, parts)
    default:
      return {
        key,
        rule: "unrecognized",
        explanation: `Not a key the hub's ingest makes (no idem:, event: or hash: prefix): the row was written ` +
          `by other means; requests are still deduplicated by this exact key.`
      }
  }
}
