import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"
import { bucketStart, dedupeKey, isPlaceholderId } from "../../src/ingest/DedupeKey.js"
import { validateEnvelope } from "../../src/ingest/Validate.js"
import { sample } from "../support/Fixtures.js"
import type { IngestEnvelopeInput } from "../../src/domain/Envelope.js"

const keyOf = (e: IngestEnvelopeInput) => dedupeKey(Either.getOrThrow(validateEnvelope(e)))

describe("dedupe key (DESIGN.md §5.2)", () => {
  it("uses the idempotency key first", () => {
    const e = { ...sample("42"), control: { idempotency_key: "telegram:bot:42" } }
    assert.strictEqual(keyOf(e), "idem:sandbox:sandbox:sandbox-1:telegram:bot:42")
  })

  it("uses the external event id next", () => {
    assert.strictEqual(keyOf(sample("42")), "event:sandbox:sandbox:sandbox-1:42")
  })

  it("scopes keys by endpoint: the same event id on two endpoints are two events", () => {
    assert.notStrictEqual(keyOf(sample("42")), keyOf(sample("42", { endpoint_identity: "sandbox-2" })))
  })

  it("ignores placeholder event ids and falls back to the content hash", () => {
    for (const placeholder of ["unknown", "UNKNOWN", "none", "null", "n/a", "0"]) {
      assert.isTrue(isPlaceholderId(placeholder))
      assert.match(keyOf(sample(placeholder)), /^hash:sandbox:sandbox:sandbox-1:user-1:2026-11-20T10:00:00.000Z:[0-9a-f]{64}$/)
    }
  })

  it("puts the hash in the UTC hour that holds observed_at, whatever the offset", () => {
    assert.strictEqual(bucketStart("2026-11-20T10:59:59.999Z"), "2026-11-20T10:00:00.000Z")
    assert.strictEqual(bucketStart("2026-11-20T11:00:00Z"), "2026-11-20T11:00:00.000Z")
    assert.strictEqual(bucketStart("2026-11-20T12:30:00+02:00"), "2026-11-20T10:00:00.000Z")
    assert.strictEqual(bucketStart("1969-12-31T23:30:00Z"), "1969-12-31T23:00:00.000Z")
  })

  it("gives the same hash key to the same text from the same sender in one hour, and different keys otherwise", () => {
    const noId = (text: string, at: string, sender = "user-1"): IngestEnvelopeInput => ({
      ...sample("x"),
      event: { observed_at: at },
      sender: { identity: sender },
      payload: { raw: null, normalized_text: text }
    })
    assert.strictEqual(keyOf(noId("hi", "2026-11-20T10:01:00Z")), keyOf(noId("hi", "2026-11-20T10:59:00Z")))
    assert.notStrictEqual(keyOf(noId("hi", "2026-11-20T10:01:00Z")), keyOf(noId("hi", "2026-11-20T11:01:00Z")))
    assert.notStrictEqual(keyOf(noId("hi", "2026-11-20T10:01:00Z")), keyOf(noId("hi!", "2026-11-20T10:01:00Z")))
    assert.notStrictEqual(keyOf(noId("hi", "2026-11-20T10:01:00Z")), keyOf(noId("hi", "2026-11-20T10:01:00Z", "user-2")))
  })
})
