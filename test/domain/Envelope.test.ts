import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { decodeOptions, IngestEnvelopeV1, MAX_ATTACHMENTS, MAX_NORMALIZED_TEXT_BYTES } from "../../src/domain/Envelope.js"
import { validateEnvelope } from "../../src/ingest/Validate.js"
import { envelopeFiles, loadEnvelope, sample } from "../support/Fixtures.js"

type Mutable = Record<string, unknown>

/** A deep copy of the sample with one change applied. */
const mutate = (change: (e: Mutable) => void): unknown => {
  const copy = JSON.parse(JSON.stringify(sample("1"))) as Mutable
  change(copy)
  return copy
}
const at = (e: Mutable, key: string) => e[key] as Mutable

/** The failing paths of a rejected input (fails the test if the input was accepted). */
const failingPaths = (input: unknown): ReadonlyArray<string> => {
  const result = validateEnvelope(input)
  if (Either.isRight(result)) return assert.fail("expected a ValidationError")
  assert.strictEqual(result.left._tag, "ValidationError")
  assert.isTrue(result.left.message.length > 0)
  return result.left.issues.map((i) => i.path)
}

describe("ingest.v1 envelope", () => {
  it("accepts every hand-normalized Telegram fixture", () => {
    assert.isAbove(envelopeFiles.length, 4)
    for (const file of envelopeFiles) {
      assert.isTrue(Either.isRight(validateEnvelope(loadEnvelope(file))), file)
    }
  })

  it("trims required strings", () => {
    const result = validateEnvelope(mutate((e) => (at(e, "sender")["identity"] = "  user-1  ")))
    assert.strictEqual(Either.getOrThrow(result).sender.identity, "user-1")
  })

  const rejections: ReadonlyArray<readonly [string, (e: Mutable) => void, string]> = [
    ["an unknown top-level key", (e) => (e["extra"] = 1), "extra"],
    ["an unknown nested key", (e) => (at(e, "source")["region"] = "eu"), "source.region"],
    ["an unknown attachment key", (e) => (at(e, "payload")["attachments"] = [{ media_type: "image/png", storage_ref: "local://sha256/aa", size_bytes: 1, bytes: "AAAA" }]), "payload.attachments[0].bytes"],
    ["a wrong schema_version", (e) => (e["schema_version"] = "ingest.v2"), "schema_version"],
    ["a wrong type", (e) => (at(e, "sender")["identity"] = 42), "sender.identity"],
    ["an empty string", (e) => (at(e, "source")["endpoint_identity"] = ""), "source.endpoint_identity"],
    ["a blank string", (e) => (at(e, "sender")["identity"] = "   "), "sender.identity"],
    ["a naive timestamp", (e) => (at(e, "event")["observed_at"] = "2026-11-20T10:00:00"), "event.observed_at"],
    ["a date without time", (e) => (at(e, "event")["observed_at"] = "2026-11-20"), "event.observed_at"],
    ["an impossible date", (e) => (at(e, "event")["observed_at"] = "2026-13-45T10:00:00Z"), "event.observed_at"],
    ["an unknown channel", (e) => (at(e, "source")["channel"] = "fax"), "source.channel"],
    ["a wrong channel/provider pair", (e) => Object.assign(at(e, "source"), { channel: "telegram", provider: "gmail" }), "source.provider"],
    ["a missing payload", (e) => delete e["payload"], "payload"],
    ["raw that is not an object", (e) => (at(e, "payload")["raw"] = "text"), "payload.raw"],
    ["full tier without raw", (e) => { at(e, "payload")["raw"] = null; e["control"] = { ingestion_tier: "full" } }, "payload.raw"],
    ["metadata tier with raw", (e) => (e["control"] = { ingestion_tier: "metadata" }), "payload.raw"],
    ["an unknown policy tier", (e) => (e["control"] = { policy_tier: "urgent" }), "control.policy_tier"],
    ["a negative attachment size", (e) => (at(e, "payload")["attachments"] = [{ media_type: "image/png", storage_ref: "local://sha256/aa", size_bytes: -1 }]), "payload.attachments[0].size_bytes"],
    ["too many attachments", (e) => (at(e, "payload")["attachments"] = Array.from({ length: MAX_ATTACHMENTS + 1 }, () => ({ media_type: "a/b", storage_ref: "r", size_bytes: 1 }))), "payload.attachments"],
    ["normalized_text over 64 KiB", (e) => (at(e, "payload")["normalized_text"] = "é".repeat(MAX_NORMALIZED_TEXT_BYTES / 2 + 1)), "payload.normalized_text"],
    ["a non-object body", (e) => Object.keys(e).forEach((k) => delete e[k]), "schema_version"]
  ]

  for (const [what, change, path] of rejections) {
    it(`rejects ${what}, naming ${path}`, () => {
      assert.include(failingPaths(mutate(change)), path)
    })
  }

  it("names every failing path at once", () => {
    const paths = failingPaths(mutate((e) => {
      e["extra"] = true
      at(e, "sender")["identity"] = ""
      at(e, "event")["observed_at"] = "yesterday"
    }))
    assert.includeMembers([...paths], ["extra", "sender.identity", "event.observed_at"])
  })

  it("rejects JSON that is not an object", () => {
    for (const input of [null, 42, "text", [], true]) failingPaths(input)
  })

  it.prop(
    "encode → JSON → decode is the identity for any valid envelope",
    [IngestEnvelopeV1],
    ([envelope]) => {
      const encoded = Schema.encodeSync(IngestEnvelopeV1)(envelope)
      const back = Schema.decodeUnknownSync(IngestEnvelopeV1)(JSON.parse(JSON.stringify(encoded)), decodeOptions)
      assert.deepStrictEqual(back, envelope)
    },
    { fastCheck: { numRuns: 200 } }
  )

  it.prop("any timestamp without an offset is rejected", [fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true })], ([d]) => {
    const naive = d.toISOString().replace("Z", "")
    assert.include(failingPaths(mutate((e) => (at(e, "event")["observed_at"] = naive))), "event.observed_at")
  })
})
