/**
 * Pausing a delivery target (issue 12) over a real hub, real Postgres and real HTTP receivers: a paused
 * target's deliveries wait (parked, nothing attempted, nothing lost), the resume delivers each one once and
 * in thread order; and `park` racing a resume never leaves a row parked on a running target.
 */
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, FastCheck as fc, Layer, Metric } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import * as Live from "../../layers/Live.js"
import * as DeliveryMetrics from "../../src/delivery/Metrics.js"
import { DeliveryStore } from "../../services/DeliveryStore.js"
import { RoutingStore } from "../../services/RoutingStore.js"
import * as TestDatabase from "../support/TestDatabase.js"
import * as TestHub from "../support/TestHub.js"
import * as O from "./support/Outbox.js"
import * as Receiver from "./support/Receiver.js"
import * as S from "./support/Scenario.js"
import { fastDelivery } from "./support/TestOptions.js"
import * as Wait from "./support/Wait.js"

// Failing receivers keep retrying (no dead letter, no open breaker) until the test lets them succeed.
const WorkerLayer = DeliveryWorker.layerWith({
  ...fastDelivery,
  retry: { ...fastDelivery.retry, maxAttempts: 1000, maxDelayMs: 100 },
  breaker: { threshold: 1000, cooldown: Duration.seconds(1) }
}).pipe(Layer.provideMerge(TestHub.layer))

/** A target with its own receiver and route (endpoint = target name). */
const target = (name: string, rule?: (request: Receiver.Received, n: number) => Receiver.Reply) =>
  Effect.gen(function*() {
    const receiver = yield* Receiver.make(rule)
    yield* S.addTarget(name, receiver.url)
    yield* S.addRoute({ endpoint_identity: name, target: name })
    yield* S.refresh
    return receiver
  })

/**
 * Waits until the worker has delivered a fresh request to another, running target: it claims oldest first,
 * so by then it has had every chance to attempt the paused target's rows (a barrier, not a timing guess).
 */
const barrier = (name: string) =>
  Effect.gen(function*() {
    const id = yield* S.ingest(S.envelope(`${name}-${globalThis.crypto.randomUUID()}`, { endpoint: name }))
    yield* S.waitForState(id, "delivered")
  })

const parkedCount = (name: string) =>
  Effect.map(Metric.value(Metric.tagged(DeliveryMetrics.deliveriesParked, "target", name)), (c) => c.count)

const threadOrder = (received: ReadonlyArray<Receiver.Received>, thread: string) =>
  received.filter((r) => O.threadOf(r) === thread).map(O.eventIdOf)

layer(WorkerLayer, { excludeTestServices: true, timeout: 180_000 })("pausing a target with the worker running", (it) => {
  it.scoped("holds every delivery while paused, also those accepted during the pause; the resume delivers each once, in thread order", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      const held = yield* target("pz-hold")
      yield* target("pz-hold-probe")
      const first = yield* store.pauseTarget("pz-hold")
      assert.strictEqual(first.held, 0)
      assert.strictEqual((yield* store.pauseTarget("pz-hold")).paused_at.getTime(), first.paused_at.getTime())

      const events = ["h0", "h1", "h2", "h3", "h4", "h5"]
      const ids = yield* Effect.forEach(events, (e, i) =>
        S.ingest(S.envelope(e, { endpoint: "pz-hold", thread: i % 2 === 0 ? "t-even" : "t-odd" })))
      yield* Wait.untilTrue("all six rows parked", O.allParked("pz-hold", 6))
      yield* barrier("pz-hold-probe")
      assert.strictEqual(held.received().length, 0)
      assert.strictEqual(yield* parkedCount("pz-hold"), 6)
      assert.strictEqual((yield* store.pauseTarget("pz-hold")).held, 6)
      for (const id of ids) assert.strictEqual((yield* S.inboxState(id)).lifecycle_state, "routed")

      assert.deepStrictEqual(yield* store.resumeTarget("pz-hold"), { released: 6 })
      yield* Effect.forEach(ids, (id) => S.waitForState(id, "delivered"))
      const received = held.received()
      assert.deepStrictEqual(received.map(O.requestIdOf).sort(), [...ids].sort())
      assert.deepStrictEqual(threadOrder(received, "t-even"), ["h0", "h2", "h4"])
      assert.deepStrictEqual(threadOrder(received, "t-odd"), ["h1", "h3", "h5"])
      assert.deepStrictEqual(yield* store.resumeTarget("pz-hold"), { released: 0 })
    }))

  it.scoped("a pause parks rows waiting for a retry and, when they come back, those that were in flight; the resume delivers them", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      const flaky = yield* target("pz-retry", () => ({ status: 503 }))
      yield* target("pz-retry-probe")
      const ids = yield* Effect.forEach(["r0", "r1", "r2"], (e) => S.ingest(S.envelope(e, { endpoint: "pz-retry" })))
      yield* Wait.untilTrue(
        "every row failed at least once",
        Effect.map(O.rowsOf("pz-retry"), (rows) => rows.length === 3 && rows.every((r) => r.attempts >= 1))
      )
      const paused = yield* store.pauseTarget("pz-retry")
      assert.isAtMost(paused.held, 3)
      yield* Wait.untilTrue("all three rows parked", O.allParked("pz-retry", 3))
      const seen = flaky.received().length
      flaky.answer(() => Receiver.ok)
      yield* barrier("pz-retry-probe")
      assert.strictEqual(flaky.received().length, seen)
      assert.isTrue((yield* O.rowsOf("pz-retry")).every((r) => r.attempts >= 1 && r.status === "pending"))

      assert.deepStrictEqual(yield* store.resumeTarget("pz-retry"), { released: 3 })
      yield* Effect.forEach(ids, (id) => S.waitForState(id, "delivered"))
      const afterResume = flaky.received().slice(seen)
      assert.deepStrictEqual(afterResume.map(O.requestIdOf).sort(), [...ids].sort())
    }))

  it.effect.prop(
    "under any interleaving of pauses and resumes while requests arrive, each request is delivered exactly once, in thread order, and nothing stays parked",
    {
      gaps: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 20, maxLength: 40 }),
      toggles: fc.array(fc.record({ paused: fc.integer({ min: 0, max: 15 }), running: fc.integer({ min: 0, max: 10 }) }), {
        minLength: 3,
        maxLength: 12
      })
    },
    ({ gaps, toggles }) =>
      Effect.gen(function*() {
        const store = yield* DeliveryStore
        const name = `pz-prop-${globalThis.crypto.randomUUID().slice(0, 8)}`
        const receiver = yield* target(name)
        const ingestAll = Effect.forEach(gaps, (gap, i) =>
          S.ingest(S.envelope(`${name}-${i}`, { endpoint: name, thread: `t-${i % 3}` })).pipe(Effect.delay(Duration.millis(gap))))
        const toggle = Effect.forEach(toggles, (t) =>
          store.pauseTarget(name).pipe(
            Effect.zipRight(Effect.sleep(Duration.millis(t.paused))),
            Effect.zipRight(store.resumeTarget(name)),
            Effect.zipRight(Effect.sleep(Duration.millis(t.running)))
          ), { discard: true })
        const [ids] = yield* Effect.all([ingestAll, toggle], { concurrency: 2 })
        yield* Effect.forEach(ids, (id) => S.waitForState(id, "delivered"))

        const received = receiver.received()
        assert.deepStrictEqual(received.map(O.requestIdOf).sort(), [...ids].sort())
        for (const thread of ["t-0", "t-1", "t-2"]) {
          const expected = gaps.map((_, i) => i).filter((i) => `t-${i % 3}` === thread).map((i) => `${name}-${i}`)
          assert.deepStrictEqual(threadOrder(received, thread), expected)
        }
        assert.isTrue((yield* O.rowsOf(name)).every((r) => r.status === "delivered" && !r.parked))
      }).pipe(Effect.scoped, Effect.orDie),
    { fastCheck: { numRuns: 6 } }
  )

  it.scoped("removing a paused target dead-letters its held deliveries (none stays held forever)", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      yield* target("pz-removed")
      yield* store.pauseTarget("pz-removed")
      const id = yield* S.ingest(S.envelope("pz-removed-1", { endpoint: "pz-removed" }))
      yield* Wait.untilTrue("held", O.allParked("pz-removed", 1))
      yield* (yield* RoutingStore).removeTarget("pz-removed")
      const state = yield* S.waitForState(id, "dead_lettered")
      assert.strictEqual(S.outcomeOf(state, "pz-removed").last_error, 'permanent failure: target "pz-removed" was removed')
    }))
})

/** Without a worker: the store's claim and park, called directly, racing a resume. */
const StoreLayer = Live.appLayer(TestHub.testConfig, TestDatabase.layer)

layer(StoreLayer, { excludeTestServices: true, timeout: 180_000 })("park against pause and resume (store only)", (it) => {
  const claimOf = (name: string) =>
    Effect.flatMap(DeliveryStore, (store) => store.claim({ limit: 1000, leaseMs: 600_000, workerId: "test" })).pipe(
      Effect.map((rows) => rows.filter((r) => r.target === name)),
      Effect.orDie
    )

  const pausedTargetWithRows = (name: string, n: number, thread: string | null) =>
    Effect.gen(function*() {
      yield* S.addTarget(name, "http://127.0.0.1:9/hook")
      yield* S.addRoute({ endpoint_identity: name, target: name })
      yield* S.refresh
      yield* (yield* DeliveryStore).pauseTarget(name)
      return yield* Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) =>
        S.ingest(S.envelope(`${name}-${i}`, { endpoint: name, thread })))
    })

  it.effect("claims the rows of a paused target as paused, also those waiting behind another in their thread; park holds them", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      yield* pausedTargetWithRows("pk-thread", 3, "one-thread")
      const claimed = yield* claimOf("pk-thread")
      assert.strictEqual(claimed.length, 3)
      assert.isTrue(claimed.every((r) => r.paused))
      assert.strictEqual(yield* store.park(claimed), 3)
      assert.isTrue(yield* O.allParked("pk-thread", 3))
      assert.strictEqual(yield* store.park(claimed), 0)
      assert.deepStrictEqual(yield* claimOf("pk-thread"), [])
    }))

  it.effect("park releases rows due at once when the target was resumed after the claim", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      yield* pausedTargetWithRows("pk-resumed", 2, null)
      const claimed = yield* claimOf("pk-resumed")
      assert.deepStrictEqual(yield* store.resumeTarget("pk-resumed"), { released: 0 })
      assert.strictEqual(yield* store.park(claimed), 0)
      const again = yield* claimOf("pk-resumed")
      assert.strictEqual(again.length, 2)
      assert.isTrue(again.every((r) => !r.paused))
    }))

  it.effect.prop(
    "park racing a resume never leaves a row parked on the running target",
    { rows: fc.integer({ min: 1, max: 6 }), delays: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 7, maxLength: 7 }) },
    ({ delays, rows }) =>
      Effect.gen(function*() {
        const store = yield* DeliveryStore
        const name = `pk-race-${globalThis.crypto.randomUUID().slice(0, 8)}`
        yield* pausedTargetWithRows(name, rows, null)
        const claimed = yield* claimOf(name)
        assert.strictEqual(claimed.length, rows)
        // Each row parked on its own, concurrently with the resume, each after its own delay.
        const parks = claimed.map((row, i) => store.park([row]).pipe(Effect.delay(Duration.millis(delays[i + 1] ?? 0))))
        const resume = store.resumeTarget(name).pipe(Effect.delay(Duration.millis(delays[0] ?? 0)))
        yield* Effect.all([resume, ...parks], { concurrency: "unbounded" })
        const after = yield* O.rowsOf(name)
        assert.strictEqual(after.length, rows)
        assert.isTrue(after.every((r) => r.status === "pending" && !r.parked && !r.leased))
        assert.strictEqual((yield* claimOf(name)).length, rows)
      }).pipe(Effect.orDie),
    { fastCheck: { numRuns: 40 } }
  )

  it.effect("a removed target is never paused: its claimed rows are due to be dead-lettered, and it cannot be paused or resumed", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      yield* pausedTargetWithRows("pk-removed", 2, null)
      yield* (yield* RoutingStore).removeTarget("pk-removed")
      const claimed = yield* claimOf("pk-removed")
      assert.strictEqual(claimed.length, 2)
      assert.isTrue(claimed.every((r) => !r.paused && r.endpoint === null))
      assert.strictEqual(yield* store.park(claimed), 0)
      assert.strictEqual((yield* Effect.flip(store.pauseTarget("pk-removed")))._tag, "TargetNotFound")
      assert.strictEqual((yield* Effect.flip(store.resumeTarget("pk-removed")))._tag, "TargetNotFound")
      assert.strictEqual((yield* Effect.flip(store.pauseTarget("x".repeat(500))))._tag, "TargetNotFound")
    }))
})
