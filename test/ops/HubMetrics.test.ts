/**
 * The hub metrics issue 13 adds for the alerts: ingest outcome "error" for a call that died (answered 500),
 * so the 5xx ratio is computable; and switchboard_delivery_oldest_pending_age_seconds, sampled by a real
 * delivery worker over a real database while a real receiver fails, is paused, and recovers.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Metric } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import * as DeliveryMetrics from "../../src/delivery/Metrics.js"
import { Unavailable } from "../../src/domain/Errors.js"
import * as Uuid7 from "../../src/domain/Uuid7.js"
import * as IngestMetrics from "../../src/metrics/IngestMetrics.js"
import { ingestResults } from "../../src/metrics/Metrics.js"
import { DeliveryStore } from "../../services/DeliveryStore.js"
import type { IngestService } from "../../services/Ingest.js"
import * as Receiver from "../delivery/support/Receiver.js"
import * as S from "../delivery/support/Scenario.js"
import { fastDelivery } from "../delivery/support/TestOptions.js"
import * as Wait from "../delivery/support/Wait.js"
import * as TestHub from "../support/TestHub.js"

const counted = (outcome: string, channel: string) =>
  Effect.map(
    Metric.value(Metric.tagged(Metric.tagged(ingestResults, "outcome", outcome), "channel", channel)),
    (s) => s.count
  )

const outcomes = ["accepted", "duplicate", "rejected", "overloaded", "unavailable", "error"]

/** Every outcome's count for a channel, to compare before and after. */
const tally = (channel: string) =>
  Effect.map(Effect.forEach(outcomes, (o) => counted(o, channel)), (ns) => Object.fromEntries(outcomes.map((o, i) => [o, ns[i]!])))

const sandbox = (id: string) => S.envelope(id, { endpoint: "h3-metrics" })

/** An ingest use case that behaves as told, to observe the instrumentation around it. */
const useCase = (outcome: Effect.Effect<never, Unavailable>): IngestService => ({
  accept: () => outcome,
  acceptBatch: () => outcome,
  getCheckpoint: () => outcome
})

describe("ingest outcome counts", () => {
  it.effect("a call that dies counts as outcome error (single: once; batch: once per envelope, by channel)", () =>
    Effect.gen(function*() {
      const instrumented = IngestMetrics.instrument(useCase(Effect.die(new Error("bug"))))
      const sandboxBefore = yield* tally("sandbox")
      const invalidBefore = yield* tally("invalid")
      const single = yield* Effect.exit(instrumented.accept(sandbox("e-1"), S.admin))
      const batch = yield* Effect.exit(instrumented.acceptBatch([sandbox("e-2"), sandbox("e-3"), { source: 7 }], S.admin))
      assert.isTrue(Exit.isFailure(single) && Exit.isFailure(batch), "the defect still reaches the caller (the HTTP edge answers 500)")
      assert.deepStrictEqual(yield* tally("sandbox"), { ...sandboxBefore, error: sandboxBefore["error"]! + 3 })
      assert.deepStrictEqual(yield* tally("invalid"), { ...invalidBefore, error: invalidBefore["error"]! + 1 })
    }))

  it.effect("a typed failure counts as its own outcome, not as error; an interruption counts as nothing", () =>
    Effect.gen(function*() {
      const before = yield* tally("sandbox")
      const unavailable = IngestMetrics.instrument(useCase(Effect.fail(new Unavailable({ message: "db away", retry_after_s: 2 }))))
      yield* Effect.exit(unavailable.accept(sandbox("u-1"), S.admin))
      const interrupted = IngestMetrics.instrument(useCase(Effect.interrupt))
      yield* Effect.exit(interrupted.accept(sandbox("i-1"), S.admin))
      yield* Effect.exit(interrupted.acceptBatch([sandbox("i-2")], S.admin))
      assert.deepStrictEqual(yield* tally("sandbox"), { ...before, unavailable: before["unavailable"]! + 1 })
    }))
})

// Failing receivers keep retrying (no dead letter, no open breaker) until the test lets them succeed.
const WorkerLayer = DeliveryWorker.layerWith({
  ...fastDelivery,
  retry: { ...fastDelivery.retry, maxAttempts: 1000, maxDelayMs: 100 },
  breaker: { threshold: 1000, cooldown: Duration.seconds(1) }
}).pipe(Layer.provideMerge(TestHub.layer))

const gauge = (metric: Metric.Metric.Gauge<number>, target: string) =>
  Effect.map(Metric.value(Metric.tagged(metric, "target", target)), (g) => g.value)

const target = (name: string, rule: (request: Receiver.Received, n: number) => Receiver.Reply) =>
  Effect.gen(function*() {
    const receiver = yield* Receiver.make(rule)
    yield* S.addTarget(name, receiver.url)
    yield* S.addRoute({ endpoint_identity: name, target: name })
    yield* S.refresh
    return receiver
  })

layer(WorkerLayer, { excludeTestServices: true, timeout: 120_000 })("delivery backlog age", (it) => {
  it.scoped("grows from acceptance while a receiver fails, leaves out a paused target, and is 0 once delivered", () =>
    Effect.gen(function*() {
      const failing = yield* target("h3-age", () => ({ status: 503, body: "down" }))
      const id = yield* S.ingest(S.envelope("age-1", { endpoint: "h3-age" }))
      yield* Wait.untilTrue(
        "a retried attempt and an age sampled after it",
        Effect.map(gauge(DeliveryMetrics.oldestPendingAge, "h3-age"), (age) => failing.received().length >= 2 && age > 0)
      )
      const age = yield* gauge(DeliveryMetrics.oldestPendingAge, "h3-age")
      assert.isAtMost(age, (Date.now() - Uuid7.timestampOf(id)) / 1000, "counted from the request's acceptance")
      assert.strictEqual(yield* gauge(DeliveryMetrics.outboxDepth, "h3-age"), 1)

      const store = yield* DeliveryStore
      yield* store.pauseTarget("h3-age")
      yield* Wait.untilTrue(
        "a paused target's backlog has no age",
        Effect.map(
          Effect.all([gauge(DeliveryMetrics.oldestPendingAge, "h3-age"), gauge(DeliveryMetrics.outboxDepth, "h3-age")]),
          ([a, depth]) => a === 0 && depth === 1
        )
      )

      failing.answer(() => Receiver.ok)
      yield* store.resumeTarget("h3-age")
      yield* S.waitForState(id, "delivered")
      yield* Wait.untilTrue(
        "age and depth back to 0",
        Effect.map(
          Effect.all([gauge(DeliveryMetrics.oldestPendingAge, "h3-age"), gauge(DeliveryMetrics.outboxDepth, "h3-age")]),
          ([a, depth]) => a === 0 && depth === 0
        )
      )
    }))
})
