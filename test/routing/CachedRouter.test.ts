import { assert, describe, it } from "@effect/vitest"
import { Effect, Metric, Ref, TestClock } from "effect"
import * as CachedRouter from "../../layers/Routing/CachedRouter.js"
import * as DeliveryMetrics from "../../src/delivery/Metrics.js"
import type { RoutableMessage, RuleSpec } from "../../src/domain/RoutingRules.js"
import { type RoutingSnapshot, RoutingStore, RoutingStoreUnavailable } from "../../services/RoutingStore.js"

const message: RoutableMessage = {
  source_channel: "telegram",
  source_provider: "telegram",
  source_endpoint_identity: "bot-1",
  sender_identity: "alice",
  normalized_text: "urgent"
}

const toOps: RuleSpec = {
  id: "1",
  priority: 100,
  channel: "telegram",
  provider: null,
  endpoint_identity: null,
  sender_identity: null,
  text_pattern: null,
  ignore_case: false,
  stop: false,
  target: "ops"
}

const unused = Effect.dieMessage("not used by the router")

/** A RoutingStore whose snapshot is a Ref (and can be made to fail). */
const fakeStore = Effect.gen(function*() {
  const snapshot = yield* Ref.make<RoutingSnapshot>({ targets: ["general"], rules: [] })
  const down = yield* Ref.make(false)
  const store = RoutingStore.of({
    addTarget: () => unused,
    listTargets: () => unused,
    removeTarget: () => unused,
    addRule: () => unused,
    listRules: unused,
    removeRule: () => unused,
    updateTarget: () => unused,
    updateRule: () => unused,
    snapshot: Effect.flatMap(Ref.get(down), (isDown) =>
      isDown ? Effect.fail(new RoutingStoreUnavailable({ message: "database away" })) : Ref.get(snapshot))
  })
  return { snapshot, down, store }
})

describe("cached router", () => {
  it.scoped("applies rule changes at the next refresh tick and keeps the last table while reloads fail", () =>
    Effect.gen(function*() {
      const { down, snapshot, store } = yield* fakeStore
      const router = yield* CachedRouter.make({ refreshInterval: "2 seconds" }).pipe(
        Effect.provideService(RoutingStore, store)
      )
      assert.deepStrictEqual(yield* router.route(message), ["general"])

      yield* Ref.set(snapshot, { targets: ["general", "ops"], rules: [toOps] })
      yield* TestClock.adjust("1999 millis")
      assert.deepStrictEqual(yield* router.route(message), ["general"], "not before the interval")
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(yield* router.route(message), ["ops"])

      const failuresBefore = (yield* Metric.value(DeliveryMetrics.routingRefreshFailures)).count
      yield* Ref.set(down, true)
      yield* Ref.set(snapshot, { targets: ["general"], rules: [] })
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* router.route(message), ["ops"], "the previous table stays in use")
      assert.strictEqual((yield* Metric.value(DeliveryMetrics.routingRefreshFailures)).count, failuresBefore + 1)

      yield* Ref.set(down, false)
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* router.route(message), ["general"])
    }))
})

describe("cached router with a stored pattern RE2 cannot run", () => {
  it.scoped("skips that rule, counts it, and keeps routing with the others", () =>
    Effect.gen(function*() {
      const { snapshot, store } = yield* fakeStore
      // Stored before patterns ran on RE2: a backreference, and a pattern too complex to match in bounded time.
      const backreference: RuleSpec = { ...toOps, id: "2", priority: 1, target: "general", text_pattern: "(u)\\1" }
      const huge: RuleSpec = { ...toOps, id: "3", priority: 2, target: "general", text_pattern: "(?:a|b|ab|ba){1,1000}" }
      yield* Ref.set(snapshot, { targets: ["general", "ops"], rules: [backreference, huge, toOps] })
      const router = yield* CachedRouter.make({ refreshInterval: "2 seconds" }).pipe(
        Effect.provideService(RoutingStore, store)
      )
      assert.deepStrictEqual(yield* router.route(message), ["ops"])
      const skipped = Metric.tagged(DeliveryMetrics.routingRulesSkipped, "reason", "pattern")
      assert.strictEqual((yield* Metric.value(skipped)).value, 2)

      yield* Ref.set(snapshot, { targets: ["general", "ops"], rules: [toOps] })
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* Metric.value(skipped)).value, 0)
    }))
})
