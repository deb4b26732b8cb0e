/** The circuit breaker under TestClock: threshold, fail fast, half-open single trial, close on success, metrics. */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Metric, Ref, TestClock } from "effect"
import { ConnectorUnavailable, ResourceNotFound } from "../../src/domain/ConnectorErrors.js"
import * as Breaker from "../../src/sdk/Breaker.js"
import * as Metrics from "../../src/sdk/Metrics.js"

const down = new ConnectorUnavailable({ message: "down", connector_id: "b", transient: true })
const isFailure = (e: { readonly _tag: string }) => e._tag === "ConnectorUnavailable"
const options: Breaker.Options = { threshold: 3, cooldown: Duration.seconds(30) }
const gaugeOf = (label: string) => Effect.map(Metric.value(Metrics.breakerStateOf(label)), (s) => s.value)

describe("Breaker", () => {
  it.effect("opens after N consecutive failures, fails fast with retry_after_ms, half-opens after the cool-down, closes on success", () =>
    Effect.gen(function*() {
      const breaker = yield* Breaker.make("b", options, "breaker-test-1")
      const calls = yield* Ref.make(0)
      const failing = Effect.zipRight(Ref.update(calls, (n) => n + 1), Effect.fail(down))
      for (let i = 0; i < 2; i++) yield* Effect.flip(breaker.protect(failing, isFailure))
      assert.deepInclude(yield* breaker.health, { breaker: "closed", health: "ok", consecutive_failures: 2 })
      yield* Effect.flip(breaker.protect(failing, isFailure))
      assert.deepInclude(yield* breaker.health, { breaker: "open", health: "degraded", consecutive_failures: 3 })
      assert.strictEqual(yield* gaugeOf("breaker-test-1"), 2)
      yield* TestClock.adjust("10 seconds")
      const fast = yield* Effect.flip(breaker.protect(failing, isFailure))
      assert.deepInclude(fast, { _tag: "ConnectorUnavailable", transient: false, retry_after_ms: 20_000 })
      assert.strictEqual(yield* Ref.get(calls), 3)
      yield* TestClock.adjust("20 seconds")
      assert.deepInclude(yield* breaker.health, { breaker: "half_open", health: "degraded" })
      yield* Effect.flip(breaker.protect(failing, isFailure))
      assert.deepInclude(yield* breaker.health, { breaker: "open" }, "a failed trial opens it again")
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual(yield* breaker.protect(Effect.succeed("ok"), isFailure), "ok")
      assert.deepInclude(yield* breaker.health, { breaker: "closed", health: "ok", consecutive_failures: 0 })
      assert.strictEqual(yield* gaugeOf("breaker-test-1"), 0)
    }))

  it.effect("half-open lets exactly one trial through; the others fail fast until it settles", () =>
    Effect.gen(function*() {
      const breaker = yield* Breaker.make("b", options, "breaker-test-2")
      for (let i = 0; i < 3; i++) yield* Effect.flip(breaker.protect(Effect.fail(down), isFailure))
      yield* TestClock.adjust("30 seconds")
      const gate = yield* Deferred.make<void>()
      const trial = yield* Effect.fork(breaker.protect(Deferred.await(gate), isFailure))
      yield* Effect.yieldNow()
      assert.strictEqual(yield* gaugeOf("breaker-test-2"), 1)
      const other = yield* Effect.flip(breaker.protect(Effect.succeed(1), isFailure))
      assert.deepInclude(other, { _tag: "ConnectorUnavailable", transient: false })
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(trial)
      assert.deepInclude(yield* breaker.health, { breaker: "closed" })
    }))

  it.effect("an answer that is not a failure (not found) resets the count; a defect counts as a failure", () =>
    Effect.gen(function*() {
      const breaker = yield* Breaker.make("b", options, "breaker-test-3")
      const notFound = new ResourceNotFound({ message: "no", resource_type: "t", resource_id: "i" })
      yield* Effect.flip(breaker.protect(Effect.fail(down), isFailure))
      yield* Effect.flip(breaker.protect(Effect.fail(down), isFailure))
      yield* Effect.flip(breaker.protect(Effect.fail(notFound), isFailure))
      assert.deepInclude(yield* breaker.health, { consecutive_failures: 0, breaker: "closed" })
      for (let i = 0; i < 3; i++) yield* Effect.exit(breaker.protect(Effect.dieMessage("boom"), isFailure))
      assert.deepInclude(yield* breaker.health, { breaker: "open" })
    }))
})
