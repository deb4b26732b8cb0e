import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either, Option, TestClock } from "effect"
import { validateEnvelope } from "../../src/ingest/Validate.js"
import * as Sandbox from "../../src/connectors/sandbox/SandboxConnector.js"

describe("sandbox source", () => {
  it.effect("produces messages at the configured rate, from where the cursor stands", () =>
    Effect.gen(function*() {
      const source = yield* Sandbox.make("sb-1", { ...Sandbox.defaults, ratePerSecond: 5, batchSize: 100 })
      const none = yield* source.fetch(Option.some({ next: 40 }))
      assert.strictEqual(none.items.length, 0)
      assert.deepStrictEqual(none.next, { next: 40 })
      yield* TestClock.adjust("2 seconds")
      const batch = yield* source.fetch(Option.some({ next: 40 }))
      assert.strictEqual(batch.items.length, 10)
      assert.deepStrictEqual(batch.items[0]?.cursor, { next: 41 })
      assert.deepStrictEqual(batch.next, { next: 50 })
    }))

  it.effect("stops at SANDBOX_TOTAL and caps a batch at SANDBOX_BATCH_SIZE", () =>
    Effect.gen(function*() {
      const source = yield* Sandbox.make("sb-1", { ...Sandbox.defaults, ratePerSecond: 1000, total: 25, batchSize: 10 })
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* source.fetch(Option.none())).items.length, 10)
      assert.strictEqual((yield* source.fetch(Option.some({ next: 20 }))).items.length, 5)
      assert.strictEqual((yield* source.fetch(Option.some({ next: 25 }))).items.length, 0)
    }))

  it.effect("every message is a valid ingest.v1 envelope, the same on every run; SANDBOX_INVALID_EVERY makes invalid ones", () =>
    Effect.gen(function*() {
      const options = { ...Sandbox.defaults, ratePerSecond: 1000, total: 10, invalidEvery: 5, skipEvery: 4 }
      const a = yield* Sandbox.make("sb-1", options)
      yield* TestClock.adjust("1 second")
      const batch = yield* a.fetch(Option.none())
      const verdicts = batch.items.map((item) =>
        item._tag === "Skip" ? "skip" : Either.isRight(validateEnvelope(item.envelope)) ? "valid" : "invalid"
      )
      assert.deepStrictEqual(verdicts, ["valid", "valid", "valid", "skip", "invalid", "valid", "valid", "skip", "valid", "invalid"])
      const b = yield* Sandbox.make("sb-1", options)
      yield* TestClock.adjust("1 second")
      const again = yield* b.fetch(Option.none())
      const key = (i: (typeof batch.items)[number]) => (i._tag === "Event" ? i.envelope.control?.idempotency_key : i.reason)
      assert.deepStrictEqual(again.items.map(key), batch.items.map(key))
    }))

  it.effect("injects transient, rate-limited and unauthorized failures", () =>
    Effect.gen(function*() {
      const fail = (o: Partial<Sandbox.Options>) =>
        Effect.flatMap(Sandbox.make("sb-1", { ...Sandbox.defaults, ...o }), (s) => Effect.flip(s.fetch(Option.none())))
      assert.strictEqual((yield* fail({ transientRate: 1 }))._tag, "SourceTransient")
      const limited = yield* fail({ rateLimitedRate: 1, retryAfter: Duration.seconds(3) })
      assert.strictEqual(limited._tag, "SourceRateLimited")
      assert.isTrue(limited._tag === "SourceRateLimited" && Duration.toSeconds(limited.retryAfter) === 3)
      assert.strictEqual((yield* fail({ unauthorizedRate: 1 }))._tag, "SourceUnauthorized")
    }))

  it.effect("latency delays every fetch", () =>
    Effect.gen(function*() {
      const source = yield* Sandbox.make("sb-1", { ...Sandbox.defaults, latency: Duration.seconds(2) })
      const fiber = yield* Effect.fork(source.fetch(Option.none()))
      yield* TestClock.adjust("1999 millis")
      assert.isTrue(Option.isNone(yield* fiber.poll))
      yield* TestClock.adjust("1 millis")
      assert.isTrue(Option.isSome(yield* fiber.poll))
    }))
})
