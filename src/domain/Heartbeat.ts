/**
 * The `connector.heartbeat.v1` message (DESIGN.md §5.4), shared by connectors (sender) and the hub (receiver).
 * Every string must be storable as received (Text.ts: no NUL, no lone surrogates) and is bounded; numbers are
 * finite and bounded so that no sum the hub keeps of them can overflow (see MAX_COUNTER, MAX_SUM).
 */
import { Schema } from "effect"
import { MAX_ENDPOINT_IDENTITY_BYTES, optional, Rfc3339Timestamp } from "./Envelope.js"
import { boundedProblem, boundedString, excerpt, requiredString, unstorable, utf8Bytes } from "./Text.js"

/**
 * The largest value of one counter (10^15). Deltas never exceed their counter, so even a connector that
 * restarts on every heartbeat adds at most this much per heartbeat to a sum.
 */
export const MAX_COUNTER = 1_000_000_000_000_000

/**
 * Where every sum of counters saturates (2^53 − 1: exact as a double and in JSON): the registry's live
 * hour and day accumulators, the hourly and daily rollups and the dashboard's totals. A sum that reaches
 * it stays there instead of overflowing Postgres' bigint.
 */
export const MAX_SUM = Number.MAX_SAFE_INTEGER

/** connector_type becomes a metric label and a URL path segment: a short lowercase name. */
export const MAX_CONNECTOR_TYPE_CHARS = 64
export const MAX_VERSION_BYTES = 128
export const MAX_ERROR_MESSAGE_BYTES = 2048
export const MAX_CURSOR_BYTES = 8192
export const MAX_CAPABILITIES = 64
export const MAX_CAPABILITY_NAME_BYTES = 64
/** 100 years of uptime. */
export const MAX_UPTIME_S = 100 * 365 * 86_400

const connectorTypePattern = new RegExp(`^[a-z][a-z0-9_-]{0,${MAX_CONNECTOR_TYPE_CHARS - 1}}$`)

/** 1–64 characters: a lowercase ASCII letter, then lowercase letters, digits, `_` or `-` (trimmed on decode). */
export const ConnectorType = Schema.Trim.pipe(
  Schema.compose(
    Schema.String.pipe(Schema.filter((s) =>
      connectorTypePattern.test(s)
        ? true
        : `must be 1 to ${MAX_CONNECTOR_TYPE_CHARS} characters: a lowercase letter, then lowercase letters, digits, ` +
          `"_" or "-" (got ${excerpt(s)})`
    )),
    { strict: false }
  ),
  Schema.annotations({ identifier: "ConnectorType", description: "e.g. telegram; ^[a-z][a-z0-9_-]{0,63}$" })
)

const Count = Schema.Number.pipe(
  Schema.filter((n) =>
    Number.isInteger(n) && n >= 0 && n <= MAX_COUNTER
      ? true
      : `must be a whole number from 0 to ${MAX_COUNTER} (10^15) (got ${String(n).slice(0, 30)})`
  ),
  Schema.annotations({ identifier: "HeartbeatCount", jsonSchema: { type: "integer", minimum: 0, maximum: MAX_COUNTER } })
)

const Uptime = Schema.Number.pipe(
  Schema.filter((n) =>
    Number.isFinite(n) && n >= 0 && n <= MAX_UPTIME_S
      ? true
      : `must be a number of seconds from 0 to ${MAX_UPTIME_S} (100 years) (got ${String(n).slice(0, 30)})`
  ),
  Schema.annotations({ jsonSchema: { type: "number", minimum: 0, maximum: MAX_UPTIME_S } })
)

type Flags = { readonly [key: string]: boolean }

const isFlags = (u: unknown): u is Flags =>
  typeof u === "object" && u !== null && !Array.isArray(u) && Object.values(u).every((v) => typeof v === "boolean")

const flagsMessage = (actual: unknown): string => {
  if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return "must be a JSON object of boolean flags"
  const key = Object.keys(actual).find((k) => typeof (actual as Record<string, unknown>)[k] !== "boolean")
  return `must be a JSON object of boolean flags (${excerpt(key ?? "")} is not true or false)`
}

/**
 * Capability flags by name. Kept as received (not rebuilt key by key), so a name such as "__proto__" is
 * stored like any other; each name is 1–64 bytes and storable, each value a boolean, at most 64 of them.
 */
export const Capabilities = Schema.declare(isFlags, {
  identifier: "Capabilities",
  description: `at most ${MAX_CAPABILITIES} boolean flags; names 1–${MAX_CAPABILITY_NAME_BYTES} bytes`,
  jsonSchema: { type: "object", additionalProperties: { type: "boolean" }, maxProperties: MAX_CAPABILITIES },
  arbitrary: () => (fc) => fc.dictionary(fc.stringMatching(/^[a-z_]{1,20}$/), fc.boolean(), { maxKeys: 8 }),
  message: (issue) => flagsMessage(issue._tag === "Type" ? issue.actual : undefined)
}).pipe(
  Schema.filter((o) => {
    const keys = Object.keys(o)
    if (keys.length > MAX_CAPABILITIES) return `at most ${MAX_CAPABILITIES} capabilities are allowed (got ${keys.length})`
    for (const key of keys) {
      const why = key === "" ? "must not be empty" : unstorable(key)
      if (why !== undefined) return { path: [key], message: `name ${why}` }
      if (utf8Bytes(key) > MAX_CAPABILITY_NAME_BYTES) {
        return { path: [key], message: `name must be at most ${MAX_CAPABILITY_NAME_BYTES} bytes of UTF-8` }
      }
    }
    return true
  })
)

/** Source counters a heartbeat may carry, and how their names look (each may become a metric label value). */
export const MAX_SOURCE_COUNTERS = 64
export const SOURCE_COUNTER_NAME = /^[a-z][a-z0-9_]{0,47}(\.[a-z][a-z0-9_]{0,31})?$/

const isCounts = (u: unknown): u is { readonly [key: string]: number } =>
  typeof u === "object" && u !== null && !Array.isArray(u) && Object.values(u).every((v) => typeof v === "number")

/**
 * The connector's own counters by name (`history_fetches`, `skipped.label_excluded`, …): names are a
 * lowercase word with an optional `.reason`, values are counts like the others, at most 64 of them.
 */
export const SourceCounters = Schema.declare(isCounts, {
  identifier: "SourceCounters",
  description: `at most ${MAX_SOURCE_COUNTERS} counters; names like history_fetches or skipped.label_excluded`,
  jsonSchema: { type: "object", additionalProperties: { type: "integer", minimum: 0 }, maxProperties: MAX_SOURCE_COUNTERS },
  arbitrary: () => (fc) => fc.dictionary(fc.stringMatching(/^[a-z]{1,12}$/), fc.nat(), { maxKeys: 8 }),
  message: () => "must be a JSON object of counts"
}).pipe(
  Schema.filter((o) => {
    const keys = Object.keys(o)
    if (keys.length > MAX_SOURCE_COUNTERS) return `at most ${MAX_SOURCE_COUNTERS} source counters are allowed (got ${keys.length})`
    for (const key of keys) {
      if (!SOURCE_COUNTER_NAME.test(key)) {
        return { path: [excerpt(key)], message: "name must be a lowercase word (a-z, 0-9, _) with an optional .reason" }
      }
      const n = o[key]!
      if (!Number.isInteger(n) || n < 0 || n > MAX_COUNTER) {
        return { path: [key], message: `must be a whole number from 0 to ${MAX_COUNTER} (10^15)` }
      }
    }
    return true
  })
)

/** Reasons a heartbeat's `degradation.attachments_skipped` may name (each may become a metric label value). */
export const MAX_DEGRADATION_REASONS = 32
export const DEGRADATION_REASON = /^[a-z][a-z0-9_]{0,31}$/

/** Counts by reason (`too_large`, `download_failed`, …): names ^[a-z][a-z0-9_]{0,31}$, at most 32 of them. */
export const ReasonCounts = Schema.declare(isCounts, {
  identifier: "DegradationReasonCounts",
  description: `at most ${MAX_DEGRADATION_REASONS} counts by reason; reasons like too_large or download_failed`,
  jsonSchema: { type: "object", additionalProperties: { type: "integer", minimum: 0 }, maxProperties: MAX_DEGRADATION_REASONS },
  arbitrary: () => (fc) => fc.dictionary(fc.stringMatching(/^[a-z]{1,12}$/), fc.nat(), { maxKeys: 4 }),
  message: () => "must be a JSON object of counts by reason"
}).pipe(
  Schema.filter((o) => {
    const keys = Object.keys(o)
    if (keys.length > MAX_DEGRADATION_REASONS) return `at most ${MAX_DEGRADATION_REASONS} reasons are allowed (got ${keys.length})`
    for (const key of keys) {
      if (!DEGRADATION_REASON.test(key)) {
        return { path: [excerpt(key)], message: "reason must be a lowercase word of 1 to 32 characters (a-z, 0-9, _)" }
      }
      const n = o[key]!
      if (!Number.isInteger(n) || n < 0 || n > MAX_COUNTER) {
        return { path: [key], message: `must be a whole number from 0 to ${MAX_COUNTER} (10^15)` }
      }
    }
    return true
  })
)

/** The plain counts of `degradation` (every key but attachments_skipped), in the order they are shown. */
export const DEGRADATION_COUNTS = [
  "media_failures",
  "rate_limited",
  "rate_limit_wait_s",
  "cursor_resets",
  "gap_fills",
  "oauth_refresh_failures",
  "dead_lettered",
  "checkpoint_save_failures",
  "checkpoint_corrupt"
] as const
export type DegradationCount = typeof DEGRADATION_COUNTS[number]

/**
 * What degraded in a connector process since it started (issue 13); every member optional, counts
 * monotonic. Unknown keys are ignored (dropped on decode), so a newer connector is not refused.
 */
export const Degradation = Schema.Struct({
  /** media download or blob-store write failed */
  media_failures: optional(Count),
  /** attachments left out, by reason */
  attachments_skipped: optional(ReasonCounts),
  /** the source answered 429 (or an equivalent rate limit) */
  rate_limited: optional(Count),
  /** whole seconds waited on those */
  rate_limit_wait_s: optional(Count),
  /** the source refused the cursor as too old or expired */
  cursor_resets: optional(Count),
  /** full re-syncs run to fill such a gap */
  gap_fills: optional(Count),
  /** token refreshes that failed */
  oauth_refresh_failures: optional(Count),
  /** events written to the dead-letter file */
  dead_lettered: optional(Count),
  /** checkpoint writes that failed */
  checkpoint_save_failures: optional(Count),
  /** the checkpoint could not be read or decoded at start */
  checkpoint_corrupt: optional(Count)
}).annotations({ identifier: "HeartbeatDegradation", parseOptions: { onExcessProperty: "ignore" } })
export type Degradation = typeof Degradation.Type

/** A string of at most MAX_ERROR_MESSAGE_BYTES, or null, checked in one step (one issue, never two alternatives). */
const NullableErrorMessage = Schema.declare((u: unknown): u is string | null => u === null || typeof u === "string", {
  identifier: "NullableErrorMessage",
  description: `a string of at most ${MAX_ERROR_MESSAGE_BYTES} bytes of UTF-8, or null`,
  jsonSchema: { anyOf: [{ type: "string" }, { type: "null" }] },
  arbitrary: () => (fc) => fc.option(fc.string({ maxLength: 100 }), { nil: null }),
  message: () => "must be a string or null"
}).pipe(Schema.filter((s) => {
  if (s === null) return true
  return boundedProblem(s, MAX_ERROR_MESSAGE_BYTES) ?? true
}))

/**
 * What a connector sends as error_message for an error text of any size or content: NUL and lone
 * surrogates replaced by U+FFFD, cut to MAX_ERROR_MESSAGE_BYTES (ending in "…"), so the heartbeat that
 * reports a failure is never itself refused.
 */
export const fitErrorMessage = (message: string): string => {
  const clean = message.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
  if (utf8Bytes(clean) <= MAX_ERROR_MESSAGE_BYTES) return clean
  let cut = Buffer.from(clean, "utf8").subarray(0, MAX_ERROR_MESSAGE_BYTES - 3).toString("utf8")
  if (cut.endsWith("\uFFFD") && !clean.startsWith(cut)) cut = cut.slice(0, -1)
  return `${cut}…`
}

export const HealthState = Schema.Literal("healthy", "degraded", "error").annotations({
  message: () => ({ message: "must be one of healthy, degraded, error", override: true })
})
export type HealthState = typeof HealthState.Type

export const HeartbeatCounters = Schema.Struct({
  messages_ingested: Count,
  messages_failed: Count,
  source_api_calls: Count,
  checkpoint_saves: Count,
  dedupe_accepted: Count
}).annotations({ identifier: "HeartbeatCounters" })
export type HeartbeatCounters = typeof HeartbeatCounters.Type

export const HeartbeatV1 = Schema.Struct({
  schema_version: Schema.Literal("connector.heartbeat.v1").annotations({
    message: () => "must be \"connector.heartbeat.v1\""
  }),
  connector: Schema.Struct({
    connector_type: ConnectorType,
    endpoint_identity: requiredString(MAX_ENDPOINT_IDENTITY_BYTES),
    instance_id: Schema.UUID,
    version: optional(requiredString(MAX_VERSION_BYTES))
  }),
  status: Schema.Struct({
    state: HealthState,
    error_message: optional(NullableErrorMessage),
    uptime_s: Uptime
  }),
  counters: HeartbeatCounters,
  source_counters: optional(SourceCounters),
  checkpoint: optional(Schema.Struct({ cursor: boundedString(MAX_CURSOR_BYTES), updated_at: Rfc3339Timestamp })),
  capabilities: optional(Capabilities),
  degradation: optional(Degradation),
  /** when the hub last accepted (new or duplicate) an event from this process */
  last_submission_at: optional(Rfc3339Timestamp),
  sent_at: Rfc3339Timestamp
}).annotations({ identifier: "ConnectorHeartbeatV1" })
export type HeartbeatV1 = typeof HeartbeatV1.Type
export type HeartbeatInput = typeof HeartbeatV1.Encoded

export const HeartbeatAnswer = Schema.Struct({
  status: Schema.Literal("accepted"),
  server_time: Schema.String
}).annotations({ identifier: "HeartbeatAnswer" })
export type HeartbeatAnswer = typeof HeartbeatAnswer.Type
