/**
 * Bench envelopes: a real Telegram update (test/fixtures/envelopes, from ../shared/corpus) made
 * unique per run through its update id and idempotency key, so every phase inserts fresh keys.
 */
import { Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { decodeOptions, type IngestEnvelopeInput, IngestEnvelopeV1 } from "../../src/domain/Envelope.js"

const fixture = Path.resolve(import.meta.dirname, "../../test/fixtures/envelopes/telegram_update_message_text.json")

/** The scope a bench token needs to ingest these envelopes. */
export const scope = { channel: "telegram", provider: "telegram", endpoint: "support_bot" } as const

/** The fixture, checked against the ingest.v1 schema and kept in its wire form. */
const template: IngestEnvelopeInput = Schema.encodeSync(IngestEnvelopeV1)(
  Schema.decodeUnknownSync(Schema.parseJson(IngestEnvelopeV1))(Fs.readFileSync(fixture, "utf8"), decodeOptions)
)

/** The `n`th distinct envelope of run `runId`: its dedupe key is `idem:telegram:telegram:support_bot:<runId>:<n>`. */
export const make = (runId: string, n: number): IngestEnvelopeInput => ({
  ...template,
  event: { ...template.event, external_event_id: `${runId}-${n}` },
  payload: {
    ...template.payload,
    raw: { ...template.payload.raw, update_id: n },
    normalized_text: `hello there #${n}`
  },
  control: { idempotency_key: `telegram:${scope.endpoint}:${runId}:${n}` }
})
