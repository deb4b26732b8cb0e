/**
 * The `ingest.v1` envelope (DESIGN.md §5.1): the one shape every connector submits.
 * Decoding is strict: unknown keys are rejected at every level (see `decodeOptions`).
 */
import { Schema } from "effect"
import { boundedString, jsonIssue, MAX_JSON_DEPTH, requiredString } from "./Text.js"
import { Rfc3339Timestamp } from "./Timestamp.js"

export { Rfc3339Timestamp } from "./Timestamp.js"

/** An optional key: absent, or present with a value (never `undefined`, which JSON cannot carry). */
export const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/**
 * Byte limits of the envelope's identity strings. They make up the dedupe key, which lives in a B-tree
 * index (Postgres refuses index entries over ~2.7 KB), so their sum stays far below that.
 */
export const MAX_ENDPOINT_IDENTITY_BYTES = 256
export const MAX_IDENTITY_BYTES = 1024

/** A required string: trimmed on decode, then it must not be empty, must be storable and at most 1 KiB. */
export const RequiredString = requiredString(MAX_IDENTITY_BYTES)

// One message naming the allowed values, instead of one issue per alternative echoing the bad value.
export const Channel = Schema.Literal("telegram", "slack", "email", "discord", "api", "mcp", "sandbox").annotations({
  message: () => ({ message: "must be one of telegram, slack, email, discord, api, mcp, sandbox", override: true })
})
export type Channel = typeof Channel.Type
export const Provider = Schema.Literal("telegram", "slack", "gmail", "imap", "discord", "internal", "sandbox").annotations({
  message: () => ({ message: "must be one of telegram, slack, gmail, imap, discord, internal, sandbox", override: true })
})
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
  endpoint_identity: requiredString(MAX_ENDPOINT_IDENTITY_BYTES)
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
  external_thread_id: optional(
    Schema.NullOr(RequiredString).annotations({ message: () => ({ message: "must be a non-empty string or null", override: true }) })
  ),
  observed_at: Rfc3339Timestamp
}).annotations({ identifier: "Event" })

export const Sender = Schema.Struct({ identity: RequiredString }).annotations({ identifier: "Sender" })

const PositiveInt = Schema.Int.pipe(Schema.positive())

export const Attachment = Schema.Struct({
  media_type: requiredString(255),
  storage_ref: requiredString(2048),
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
const isJsonObject = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

// What a JSON body can carry: a JSON round trip turns -0 into 0, as the wire does.
const jsonObjectArbitrary = () => (fc: typeof import("effect").FastCheck) =>
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })).map((o) => JSON.parse(JSON.stringify(o)) as object)

/** Every key and string storable, every number finite, nesting bounded (see Text.ts). */
const storableJson = <A>(self: Schema.Schema<A>) =>
  self.pipe(Schema.filter((o) => {
    const issue = jsonIssue(o, MAX_JSON_DEPTH)
    return issue === undefined ? true : { path: issue.path, message: issue.message }
  }))

/**
 * A JSON object (from a JSON body, so its values are JSON values). Kept as received, not rebuilt key
 * by key, so unusual keys such as "__proto__" survive unchanged.
 */
const JsonObject = storableJson(Schema.declare(isJsonObject, {
  identifier: "JsonObject",
  description: "a JSON object",
  jsonSchema: { type: "object" },
  arbitrary: jsonObjectArbitrary,
  message: () => "must be a JSON object"
}))

/** A JSON object or null, in one check (one issue naming both, never the bad value echoed twice). */
const NullableJsonObject = storableJson(Schema.declare(
  (u: unknown): u is { readonly [key: string]: unknown } | null => u === null || isJsonObject(u),
  {
    identifier: "NullableJsonObject",
    description: "a JSON object or null",
    jsonSchema: { anyOf: [{ type: "object" }, { type: "null" }] },
    arbitrary: () => (fc) => fc.option(jsonObjectArbitrary()(fc), { nil: null }),
    message: () => "must be a JSON object or null"
  }
))

export const Payload = Schema.Struct({
  raw: NullableJsonObject,
  normalized_text: boundedString(MAX_NORMALIZED_TEXT_BYTES),
  attachments: optional(
    Schema.Array(Attachment).pipe(
      Schema.maxItems(MAX_ATTACHMENTS, { message: () => `at most ${MAX_ATTACHMENTS} attachments are allowed` })
    )
  )
}).annotations({ identifier: "Payload" })

export const PolicyTier = Schema.Literal("default", "interactive", "high_priority").annotations({
  message: () => ({ message: "must be one of default, interactive, high_priority", override: true })
})
export const IngestionTier = Schema.Literal("full", "metadata").annotations({
  message: () => ({ message: "must be full or metadata", override: true })
})

export const Control = Schema.Struct({
  idempotency_key: optional(RequiredString),
  trace_context: optional(JsonObject),
  policy_tier: optional(PolicyTier),
  ingestion_tier: optional(IngestionTier)
}).annotations({ identifier: "Control" })

export const IngestEnvelopeV1 = Schema.Struct({
  schema_version: Schema.Literal("ingest.v1").annotations({ message: () => "must be \"ingest.v1\"" }),
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
