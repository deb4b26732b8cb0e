/**
 * The `ingest.v1` envelope (DESIGN.md §5.1): the one shape every connector submits.
 * Decoding is strict: unknown keys are rejected at every level (see `decodeOptions`).
 */
import { Schema } from "effect"

/** An optional key: absent, or present with a value (never `undefined`, which JSON cannot carry). */
export const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** A required string: trimmed on decode, then it must not be empty. */
export const RequiredString = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "must not be empty (after trimming)" })
)

const Rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/

/** An RFC 3339 timestamp that carries its offset (`Z` or `±hh:mm`); naive timestamps are rejected. */
export const Rfc3339Timestamp = Schema.String.pipe(
  Schema.filter((s) =>
    Rfc3339.test(s) && !Number.isNaN(Date.parse(s))
      ? true
      : `must be an RFC 3339 timestamp with an offset, e.g. 2026-11-22T10:00:00Z (got ${JSON.stringify(s.slice(0, 40))})`
  ),
  Schema.annotations({
    identifier: "Rfc3339Timestamp",
    description: "RFC 3339 timestamp with offset",
    arbitrary: () => (fc) =>
      fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true }).map((d) => d.toISOString())
  })
)

export const Channel = Schema.Literal("telegram", "slack", "email", "discord", "api", "mcp", "sandbox")
export type Channel = typeof Channel.Type
export const Provider = Schema.Literal("telegram", "slack", "gmail", "imap", "discord", "internal", "sandbox")
export type Provider = typeof Provider.Type

/** Which providers may carry which channel. */
export const providersByChannel: Readonly<Record<Channel, ReadonlyArray<Provider>>> = {
  telegram: ["telegram"],
  slack: ["slack"],
  email: ["gmail", "imap"],
  discord: ["discord"],
  api: ["internal"],
  mcp: ["internal"],
  sandbox: ["sandbox"]
}

export const Source = Schema.Struct({
  channel: Channel,
  provider: Provider,
  endpoint_identity: RequiredString
}).pipe(
  Schema.filter((s) =>
    providersByChannel[s.channel].includes(s.provider)
      ? true
      : {
        path: ["provider"],
        message: `provider "${s.provider}" does not belong to channel "${s.channel}" (allowed: ${
          providersByChannel[s.channel].join(", ")
        })`
      }
  ),
  Schema.annotations({ identifier: "Source" })
)

export const Event = Schema.Struct({
  external_event_id: optional(RequiredString),
  external_thread_id: optional(Schema.NullOr(RequiredString)),
  observed_at: Rfc3339Timestamp
}).annotations({ identifier: "Event" })

export const Sender = Schema.Struct({ identity: RequiredString }).annotations({ identifier: "Sender" })

const PositiveInt = Schema.Int.pipe(Schema.positive())

export const Attachment = Schema.Struct({
  media_type: RequiredString,
  storage_ref: RequiredString,
  size_bytes: Schema.Int.pipe(Schema.nonNegative()),
  filename: optional(RequiredString),
  width: optional(PositiveInt),
  height: optional(PositiveInt),
  sha256: optional(Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/, {
    message: () => "must be 64 lowercase hex characters"
  })))
}).annotations({ identifier: "Attachment" })
export type Attachment = typeof Attachment.Type

export const MAX_NORMALIZED_TEXT_BYTES = 64 * 1024
export const MAX_ATTACHMENTS = 32
export const MAX_ENVELOPE_BYTES = 1024 * 1024

/**
 * A JSON object (from a JSON body, so its values are JSON values). Kept as received, not rebuilt key
 * by key, so unusual keys such as "__proto__" survive unchanged.
 */
const JsonObject = Schema.declare(
  (u: unknown): u is { readonly [key: string]: unknown } => typeof u === "object" && u !== null && !Array.isArray(u),
  {
    identifier: "JsonObject",
    description: "a JSON object",
    jsonSchema: { type: "object" },
    // What a JSON body can carry: a JSON round trip turns -0 into 0, as the wire does.
    arbitrary: () => (fc) =>
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })).map((o) => JSON.parse(JSON.stringify(o)) as object),
    message: () => "must be a JSON object"
  }
)

export const Payload = Schema.Struct({
  raw: Schema.NullOr(JsonObject),
  normalized_text: Schema.String.pipe(
    Schema.filter((s) =>
      Buffer.byteLength(s, "utf8") <= MAX_NORMALIZED_TEXT_BYTES
        ? true
        : `must be at most ${MAX_NORMALIZED_TEXT_BYTES} bytes of UTF-8 (got ${Buffer.byteLength(s, "utf8")})`
    )
  ),
  attachments: optional(
    Schema.Array(Attachment).pipe(
      Schema.maxItems(MAX_ATTACHMENTS, { message: () => `at most ${MAX_ATTACHMENTS} attachments are allowed` })
    )
  )
}).annotations({ identifier: "Payload" })

export const PolicyTier = Schema.Literal("default", "interactive", "high_priority")
export const IngestionTier = Schema.Literal("full", "metadata")

export const Control = Schema.Struct({
  idempotency_key: optional(RequiredString),
  trace_context: optional(JsonObject),
  policy_tier: optional(PolicyTier),
  ingestion_tier: optional(IngestionTier)
}).annotations({ identifier: "Control" })

export const IngestEnvelopeV1 = Schema.Struct({
  schema_version: Schema.Literal("ingest.v1"),
  source: Source,
  event: Event,
  sender: Sender,
  payload: Payload,
  control: optional(Control)
}).pipe(
  Schema.filter((e) => {
    const tier = e.control?.ingestion_tier
    if (tier === "full" && e.payload.raw === null) {
      return { path: ["payload", "raw"], message: "ingestion_tier \"full\" needs a non-null raw payload" }
    }
    if (tier === "metadata" && e.payload.raw !== null) {
      return { path: ["payload", "raw"], message: "ingestion_tier \"metadata\" needs raw: null" }
    }
    return true
  }),
  Schema.annotations({ identifier: "IngestEnvelopeV1", description: "ingest.v1 envelope (DESIGN.md §5.1)" })
)
export type IngestEnvelopeV1 = typeof IngestEnvelopeV1.Type
/** What a connector sends on the wire (before trimming). */
export type IngestEnvelopeInput = typeof IngestEnvelopeV1.Encoded

/** Strict decoding: every failing path reported, excess keys rejected at every level. */
export const decodeOptions = { errors: "all", onExcessProperty: "error" } as const
