/**
 * What one delivery attempt means and when the next one is due (pure). 2xx delivered; 408, 429,
 * 5xx, timeouts and network errors retried with exponential backoff and jitter (Retry-After, when
 * sent with 429 or 503, is honoured exactly, up to `maxRetryAfterMs`); any other status is a
 * permanent failure. After `maxAttempts` attempts the delivery becomes a dead letter. Every stored error is
 * sanitized and at most MAX_ERROR_LENGTH characters, with at most a short excerpt of the reply body.
 */
import type { AttemptResult } from "../../services/DeliveryStore.js"
import type { Verdict } from "../domain/DeliveryVerdict.js"

export interface RetryPolicy {
  /** Attempts before giving up (the first one included). */
  readonly maxAttempts: number
  /** Wait after the first failed attempt. */
  readonly baseDelayMs: number
  /** Growth of the wait per further failure. */
  readonly factor: number
  /** Upper bound of one wait (before jitter). */
  readonly maxDelayMs: number
  /** Relative jitter: a wait is scaled by a uniform factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number
  /** Upper bound of a Retry-After the receiver asks for. */
  readonly maxRetryAfterMs: number
}

/** 8 attempts; waits of 20 s × 3^n (20 s, 1 m, 3 m, 9 m, 27 m, 81 m, 243 m): about 6 hours in all. */
export const defaults: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 20_000,
  factor: 3,
  maxDelayMs: 6 * 3_600_000,
  jitter: 0.2,
  maxRetryAfterMs: 3_600_000
}

/** A Retry-After header (delay-seconds or HTTP-date) as milliseconds from `nowMs`; null when absent or unusable. */
export const parseRetryAfter = (header: string | undefined, nowMs: number): number | null => {
  if (header === undefined) return null
  const text = header.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs)
}

/** Longest `last_error` stored (the reason, with an excerpt of the reply). */
export const MAX_ERROR_LENGTH = 200

/** Longest excerpt of a reply body kept in an error. */
const MAX_EXCERPT_LENGTH = 120

// Control characters (C0, DEL, C1), bidirectional and zero-width format characters, and lone surrogates:
// none may reach the database (Postgres refuses NUL in text) or a terminal that lists dead letters.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** Text made safe to store and print: unprintable characters become spaces, runs of space one, cut to `max`. */
export const sanitize = (text: string, max: number = MAX_ERROR_LENGTH): string => {
  const flat = text.replace(UNPRINTABLE, " ").replace(/\s+/g, " ").trim()
  if (flat.length <= max) return flat
  // Never cut a surrogate pair in half.
  const cut = /[\ud800-\udbff]/.test(flat.charAt(max - 2)) ? max - 2 : max - 1
  return `${flat.slice(0, cut)}…`
}

const excerpt = (body: string) => {
  const flat = sanitize(body, MAX_EXCERPT_LENGTH)
  return flat === "" ? "" : `: ${flat}`
}

/** The verdict on an HTTP answer. */
export const classify = (status: number, retryAfter: string | undefined, body: string, nowMs: number): Verdict => {
  if (status >= 200 && status < 300) return { _tag: "Delivered", status }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(retryAfter, nowMs) : null
    return { _tag: "Transient", status, error: `HTTP ${status}${excerpt(body)}`, retryAfterMs }
  }
  const hint = status >= 300 && status < 400 ? " (redirects are not followed)" : ""
  return { _tag: "Permanent", status, error: `HTTP ${status}${hint}${excerpt(body)}` }
}

/** The wait after `failures` failed attempts (1 = after the first), given a uniform random number in [0, 1). */
export const backoffMs = (policy: RetryPolicy, failures: number, random: number): number => {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * Math.pow(policy.factor, Math.max(0, failures - 1)))
  return Math.round(raw * (1 - policy.jitter + 2 * policy.jitter * random))
}

/** What to record for an attempt: `attempts` counts this one. */
export const decide = (
  policy: RetryPolicy,
  verdict: Verdict,
  attempts: number,
  nowMs: number,
  random: number
): AttemptResult => {
  switch (verdict._tag) {
    case "Delivered":
      return { _tag: "Delivered", status: verdict.status }
    case "Permanent":
      return { _tag: "Dead", status: verdict.status, error: sanitize(`permanent failure: ${verdict.error}`) }
    case "Transient": {
      if (attempts >= policy.maxAttempts) {
        return { _tag: "Dead", status: verdict.status, error: sanitize(`gave up after ${attempts} attempts: ${verdict.error}`) }
      }
      const wait = verdict.retryAfterMs === null
        ? backoffMs(policy, attempts, random)
        : Math.min(verdict.retryAfterMs, policy.maxRetryAfterMs)
      return { _tag: "Retry", status: verdict.status, error: sanitize(verdict.error), next_attempt_at: new Date(nowMs + wait) }
    }
  }
}
