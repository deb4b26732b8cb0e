/** Real-world fixtures: Telegram updates from ../shared/corpus normalized by hand into ingest.v1 envelopes. */
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { IngestEnvelopeInput } from "../../src/domain/Envelope.js"

const dir = Path.resolve(import.meta.dirname, "../fixtures/envelopes")

export const envelopeFiles: ReadonlyArray<string> = Fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()

export const loadEnvelope = (file: string): IngestEnvelopeInput =>
  JSON.parse(Fs.readFileSync(Path.join(dir, file), "utf8")) as IngestEnvelopeInput

export const envelopes: ReadonlyArray<IngestEnvelopeInput> = envelopeFiles.map(loadEnvelope)

/** A small valid envelope with a given event id (and optional overrides of the source). */
export const sample = (
  id: string,
  source: Partial<IngestEnvelopeInput["source"]> = {}
): IngestEnvelopeInput => ({
  schema_version: "ingest.v1",
  source: { channel: "sandbox", provider: "sandbox", endpoint_identity: "sandbox-1", ...source },
  event: { external_event_id: id, external_thread_id: "thread-1", observed_at: "2026-11-20T10:00:00Z" },
  sender: { identity: "user-1" },
  payload: { raw: { id }, normalized_text: `message ${id}` }
})
