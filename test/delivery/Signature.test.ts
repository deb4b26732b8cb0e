import { assert, describe, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import * as Signature from "../../src/delivery/Signature.js"
import { verify } from "./support/StandardWebhooks.js"

// The reference vector published with the Standard Webhooks spec.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
const TIMESTAMP = 1614265330
const BODY = "{\"test\": 2432232314}"
const EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

const headersFor = (signature: string, timestamp = TIMESTAMP, id = ID) => ({
  "webhook-id": id,
  "webhook-timestamp": String(timestamp),
  "webhook-signature": signature
})

describe("Standard Webhooks signing", () => {
  it("reproduces the spec's reference signature", () => {
    assert.strictEqual(Signature.sign(Signature.keyOf(Redacted.make(SECRET)), ID, TIMESTAMP, BODY), EXPECTED)
  })

  it("is accepted by the independent verifier, and a changed body, id or secret is not", () => {
    const key = Signature.keyOf(Redacted.make(SECRET))
    const signature = Signature.sign(key, ID, TIMESTAMP, BODY)
    assert.strictEqual(verify(SECRET, headersFor(signature), BODY, TIMESTAMP), "ok")
    assert.strictEqual(verify(SECRET, headersFor(signature), BODY + " ", TIMESTAMP), "bad-signature")
    assert.strictEqual(verify(SECRET, headersFor(signature, TIMESTAMP, "msg_other"), BODY, TIMESTAMP), "bad-signature")
    const other = Redacted.value(Signature.generateSecret())
    assert.strictEqual(verify(other, headersFor(signature), BODY, TIMESTAMP), "bad-signature")
    assert.strictEqual(verify(SECRET, headersFor(signature), BODY, TIMESTAMP + 301), "timestamp-out-of-tolerance")
  })

  it("generates whsec_ secrets of 32 random bytes that pass validation", () => {
    const a = Redacted.value(Signature.generateSecret())
    const b = Redacted.value(Signature.generateSecret())
    assert.notStrictEqual(a, b)
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/)
    assert.isTrue(Either.isRight(Signature.validateSecret(a)))
  })

  it("rejects secrets without the prefix, with bad base64, or of the wrong length, without echoing them", () => {
    for (const bad of ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_***", "whsec_" + Buffer.alloc(16).toString("base64")]) {
      const result = Signature.validateSecret(bad)
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) assert.notInclude(result.left, bad)
    }
    assert.isTrue(Either.isRight(Signature.validateSecret(SECRET)))
  })
})
