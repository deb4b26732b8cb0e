/**
 * The circuit breaker per delivery target over a real hub, real Postgres and real HTTP receivers: it
 * opens after the threshold, its target's rows are rescheduled without spending attempts while other
 * targets are delivered, and after the cool-down a trial closes it and the backlog goes out once.
 */
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Metric } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import * as DeliveryMetrics from "../../src/delivery/Metrics.js"
import * as TestHub from "../support/TestHub.js"
import * as Receiver from "./support/Receiver.js"
import * as S from "./support/Scenario.js"
import { fastDelivery } from "./support/TestOptions.js"
import * as Wait from "./support/Wait.js"

const THRESHOLD = 3

// The attempt limit is far above the threshold: only the breaker can stop the attempts. The cool-down is
// configuration (long enough for the healthy target's deliveries), not an assertion.
const TestLayer = DeliveryWorker.layerWith({
  ...fastDelivery,
  retry: { ...fastDelivery.retry, maxAttempts: 20 },
  breaker: { threshold: THRESHOLD, cooldown: Duration.seconds(3) }
}).pipe(Layer.provideMerge(TestHub.layer))

const gauge = (target: string) =>
  Effect.map(Metric.value(Metric.tagged(DeliveryMetrics.breakerState, "target", target)), (g) => g.value)

const postponed = (target: string) =>
  Effect.map(Metric.value(Metric.tagged(DeliveryMetrics.breakerPostponed, "target", target)), (c) => c.count)

const attemptsAt = (id: string, target: string) => Effect.map(S.inboxState(id), (s) => S.outcomeOf(s, target))

layer(TestLayer, { excludeTestServices: true, timeout: 120_000 })("circuit breaker per delivery target", (it) => {
  it.scoped("opens after the threshold, reschedules its rows without attempts, then a trial closes it and the backlog is delivered once", () =>
    Effect.gen(function*() {
      const succeeded: Array<string> = []
      const broken = yield* Receiver.make(() => ({ status: 503, body: "down" }))
      const healthy = yield* Receiver.make()
      yield* S.addTarget("brk-broken", broken.url)
      yield* S.addTarget("brk-healthy", healthy.url)
      yield* S.addRoute({ endpoint_identity: "brk-b", target: "brk-broken" })
      yield* S.addRoute({ endpoint_identity: "brk-h", target: "brk-healthy" })
      yield* S.refresh

      const first = yield* S.ingest(S.envelope("brk-b-1", { endpoint: "brk-b" }))
      yield* Wait.untilTrue("the breaker of brk-broken to open", Effect.map(gauge("brk-broken"), (v) => v === 2))
      assert.strictEqual(broken.received().length, THRESHOLD)

      const backlog = yield* Effect.forEach(["brk-b-2", "brk-b-3", "brk-b-4"], (e) => S.ingest(S.envelope(e, { endpoint: "brk-b" })))
      const others = yield* Effect.forEach(["brk-h-1", "brk-h-2", "brk-h-3"], (e) => S.ingest(S.envelope(e, { endpoint: "brk-h" })))
      yield* Effect.forEach(others, (id) => S.waitForState(id, "delivered"))
      assert.strictEqual(healthy.received().length, 3)
      // Every row of the open target (the first one's retry included) was claimed and rescheduled.
      yield* Wait.untilTrue("the rows of brk-broken to be rescheduled", Effect.map(postponed("brk-broken"), (n) => n >= 4))

      assert.strictEqual(yield* gauge("brk-broken"), 2, "still open: the cool-down has not ended")
      assert.strictEqual(broken.received().length, THRESHOLD, "no request reached the target while open")
      const firstState = yield* attemptsAt(first, "brk-broken")
      assert.deepInclude(firstState, { status: "pending", attempts: THRESHOLD })
      for (const id of backlog) assert.deepInclude(yield* attemptsAt(id, "brk-broken"), { status: "pending", attempts: 0 })
      assert.strictEqual(
        (yield* Metric.value(Metric.tagged(DeliveryMetrics.deadLettersWritten, "target", "brk-broken"))).count,
        0
      )

      broken.answer((r) => {
        succeeded.push(Receiver.header(r, "webhook-id"))
        return Receiver.ok
      })
      const delivered = yield* Effect.forEach([first, ...backlog], (id) => S.waitForState(id, "delivered"))
      assert.strictEqual(yield* gauge("brk-broken"), 0, "closed after the trial succeeded")
      assert.deepStrictEqual(delivered.map((s) => S.outcomeOf(s, "brk-broken").attempts), [THRESHOLD + 1, 1, 1, 1])
      assert.strictEqual(succeeded.length, 4)
      assert.strictEqual(new Set(succeeded).size, 4, "each row of the backlog delivered exactly once")
      assert.strictEqual(broken.received().length, THRESHOLD + 4)
      const failedIds = new Set(broken.received().slice(0, THRESHOLD).map((r) => Receiver.header(r, "webhook-id")))
      assert.strictEqual(failedIds.size, 1, "the failed attempts were the first row's, with one webhook-id")
      assert.include(succeeded, [...failedIds][0], "and it was delivered with that webhook-id")
    }))
})
