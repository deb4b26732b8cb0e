import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as RetryPolicy from "../../src/delivery/RetryPolicy.js"

const NOW = Date.parse("2026-11-20T10:00:00Z")
const policy = RetryPolicy.defaults

describe("delivery retry policy", () => {
  it("by default makes 8 attempts whose waits add up to about 6 hours", () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((failures) => RetryPolicy.backoffMs(policy, failures, 0.5))
    assert.deepStrictEqual(waits, [20, 60, 180, 540, 1620, 4860, 14580].map((s) => s * 1000))
    const hours = waits.reduce((a, b) => a + b, 0) / 3_600_000
    assert.isTrue(hours > 5.5 && hours < 6.5, `total ${hours} h`)
    const transient = RetryPolicy.classify(503, undefined, "", NOW)
    assert.strictEqual(RetryPolicy.decide(policy, transient, 7, NOW, 0.5)._tag, "Retry")
    const last = RetryPolicy.decide(policy, transient, 8, NOW, 0.5)
    assert.strictEqual(last._tag, "Dead")
    if (last._tag === "Dead") assert.strictEqual(last.error, "gave up after 8 attempts: HTTP 503")
  })

  it.prop("jitter keeps every wait within ±20% of the exponential step and under the cap", {
    failures: fc.integer({ min: 1, max: 30 }),
    random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })
  }, ({ failures, random }) => {
    const wait = RetryPolicy.backoffMs(policy, failures, random)
    const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 3 ** (failures - 1))
    assert.isTrue(wait >= Math.floor(step * 0.8) && wait <= Math.ceil(step * 1.2), `${wait} vs ${step}`)
  })

  it("classifies 2xx as delivered, 408/429/5xx as transient, other statuses as permanent", () => {
    for (const s of [200, 201, 204, 299]) assert.strictEqual(RetryPolicy.classify(s, undefined, "", NOW)._tag, "Delivered")
    for (const s of [408, 429, 500, 502, 503, 599]) assert.strictEqual(RetryPolicy.classify(s, undefined, "", NOW)._tag, "Transient")
    for (const s of [301, 400, 401, 403, 404, 409, 410, 422]) {
      assert.strictEqual(RetryPolicy.classify(s, undefined, "", NOW)._tag, "Permanent")
    }
    const permanent = RetryPolicy.decide(policy, RetryPolicy.classify(400, undefined, "bad  payload\n", NOW), 1, NOW, 0)
    assert.deepStrictEqual(permanent, { _tag: "Dead", status: 400, error: "permanent failure: HTTP 400: bad payload" })
  })

  it("honours Retry-After (seconds or HTTP date) exactly on 429 and 503, capped at maxRetryAfterMs", () => {
    const retryIn = (status: number, header: string) => {
      const r = RetryPolicy.decide(policy, RetryPolicy.classify(status, header, "", NOW), 1, NOW, 0.99)
      return r._tag === "Retry" ? r.next_attempt_at.getTime() - NOW : undefined
    }
    assert.strictEqual(retryIn(429, "7"), 7000)
    assert.strictEqual(retryIn(503, new Date(NOW + 90_000).toUTCString()), 90_000)
    assert.strictEqual(retryIn(429, "86400"), policy.maxRetryAfterMs)
    // 500 ignores Retry-After; an unusable header falls back to backoff with jitter.
    assert.strictEqual(retryIn(500, "7"), RetryPolicy.backoffMs(policy, 1, 0.99))
    assert.strictEqual(retryIn(429, "soon"), RetryPolicy.backoffMs(policy, 1, 0.99))
  })
})
