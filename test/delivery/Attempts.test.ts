/**
 * The attempt history and the delivery overview (issue 12) over a real hub, real Postgres and real HTTP
 * receivers: one delivery_attempts row per recorded attempt (status, latency, outcome, error, next attempt),
 * none for an attempt whose claim had expired; backlog per live target and attempts per minute.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import { DeliveryStore } from "../../services/DeliveryStore.js"
import { RoutingStore } from "../../services/RoutingStore.js"
import * as TestHub from "../support/TestHub.js"
import * as O from "./support/Outbox.js"
import * as Receiver from "./support/Receiver.js"
import * as S from "./support/Scenario.js"
import { fastDelivery } from "./support/TestOptions.js"
import * as Wait from "./support/Wait.js"

const TestLayer = DeliveryWorker.layerWith(fastDelivery).pipe(Layer.provideMerge(TestHub.layer))

const target = (name: string, rule?: (request: Receiver.Received, n: number) => Receiver.Reply) =>
  Effect.gen(function*() {
    const receiver = yield* Receiver.make(rule)
    yield* S.addTarget(name, receiver.url)
    yield* S.addRoute({ endpoint_identity: name, target: name })
    yield* S.refresh
    return receiver
  })

/** The receiver answers only after this long, so the measured latency cannot be shorter. */
const SLOW_MS = 120

const MINUTE_MS = 60_000

layer(TestLayer, { excludeTestServices: true, timeout: 120_000 })("attempt history and delivery overview", (it) => {
  it.scoped("records each attempt of a retry then a success: number, status, latency, outcome, error and next attempt", () =>
    Effect.gen(function*() {
      yield* target("at-flaky", (_, n) => (n === 0 ? { status: 503, body: "busy" } : { status: 200, delayMs: SLOW_MS }))
      const id = yield* S.ingest(S.envelope("at-flaky-1", { endpoint: "at-flaky" }))
      yield* S.waitForState(id, "delivered")
      const [retry, success, ...rest] = yield* O.attemptsOf(id, "at-flaky")
      assert.deepStrictEqual(rest, [])
      assert.deepStrictEqual(
        [retry?.attempt, retry?.status, retry?.outcome, retry?.error],
        [1, 503, "retry", "HTTP 503: busy"]
      )
      assert.isNotNull(retry?.next_attempt_at ?? null)
      assert.isAtLeast(retry!.next_attempt_at!.getTime(), retry!.attempted_at.getTime())
      assert.isAtLeast(retry!.latency_ms ?? -1, 0)
      assert.deepStrictEqual(
        [success?.attempt, success?.status, success?.outcome, success?.error, success?.next_attempt_at],
        [2, 200, "delivered", null, null]
      )
      assert.isAtLeast(success!.latency_ms ?? -1, SLOW_MS)
      assert.isAtLeast(success!.attempted_at.getTime(), retry!.next_attempt_at!.getTime())
    }))

  it.scoped("records a dead attempt, and no attempt whose claim no longer holds", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      yield* target("at-dead", () => ({ status: 404, body: "gone" }))
      const id = yield* S.ingest(S.envelope("at-dead-1", { endpoint: "at-dead" }))
      yield* S.waitForState(id, "dead_lettered")
      const history = yield* O.attemptsOf(id, "at-dead")
      assert.deepStrictEqual(history.map((a) => [a.attempt, a.status, a.outcome, a.next_attempt_at]), [[1, 404, "dead", null]])
      assert.match(history[0]?.error ?? "", /HTTP 404: gone/)

      const stale = yield* store.complete([{
        request_id: id,
        target: "at-dead",
        claim_token: globalThis.crypto.randomUUID(),
        attempts: 2,
        attempted_at: new Date(),
        latency_ms: 5,
        result: { _tag: "Delivered", status: 204 }
      }])
      assert.deepStrictEqual(stale, [])
      assert.strictEqual((yield* O.attemptsOf(id, "at-dead")).length, 1)
      assert.strictEqual((yield* S.inboxState(id)).lifecycle_state, "dead_lettered")
    }))

  it.scoped("the overview counts pending, retrying and dead-lettered deliveries per live target, and attempts per minute", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      const sql = yield* SqlClient.SqlClient
      yield* target("ov-held")
      const failing = yield* target("ov-retry", () => ({ status: 503 }))
      yield* target("ov-dead", () => ({ status: 400 }))
      yield* target("ov-removed")

      yield* store.pauseTarget("ov-held")
      const held = yield* Effect.forEach(["h1", "h2", "h3"], (e) =>
        S.ingest(S.envelope(`ov-${e}`, { endpoint: "ov-held", thread: "same" })))
      yield* Wait.untilTrue("three rows parked", O.allParked("ov-held", 3))
      const retrying = yield* S.ingest(S.envelope("ov-r1", { endpoint: "ov-retry" }))
      yield* Wait.untilTrue("a first failed attempt", Effect.sync(() => failing.received().length >= 1))
      yield* store.pauseTarget("ov-retry")
      yield* Wait.untilTrue("the failed row parked", O.allParked("ov-retry", 1))
      const dead = yield* S.ingest(S.envelope("ov-d1", { endpoint: "ov-dead" }))
      yield* S.waitForState(dead, "dead_lettered")
      yield* (yield* RoutingStore).removeTarget("ov-removed")

      const now = new Date()
      const overview = yield* store.overview(now)
      const byName = new Map(overview.targets.map((t) => [t.target, t]))
      assert.isFalse(byName.has("ov-removed"))
      const oldest = yield* sql<{ readonly received_at: Date }>`
        SELECT received_at FROM message_inbox WHERE request_id = ${held[0]!}`
      assert.deepStrictEqual(byName.get("ov-held"), {
        target: "ov-held",
        paused: true,
        pending: 3,
        retrying: 0,
        dead_lettered: 0,
        oldest_pending_received_at: oldest[0]!.received_at.toISOString()
      })
      const r = byName.get("ov-retry")
      assert.deepStrictEqual([r?.paused, r?.pending, r?.retrying, r?.dead_lettered], [true, 1, 1, 0])
      assert.isNotNull(r?.oldest_pending_received_at ?? null)
      assert.deepStrictEqual(byName.get("ov-dead"), {
        target: "ov-dead",
        paused: false,
        pending: 0,
        retrying: 0,
        dead_lettered: 1,
        oldest_pending_received_at: null
      })
      assert.strictEqual((yield* S.inboxState(retrying)).lifecycle_state, "routed")

      // Per minute: the same as bucketing every recorded attempt of the hour by hand.
      const minutes = overview.attempts_per_minute
      const last = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS
      assert.deepStrictEqual(
        minutes.map((m) => m.minute),
        Array.from({ length: 60 }, (_, i) => new Date(last - (59 - i) * MINUTE_MS).toISOString())
      )
      const rows = yield* sql<{ readonly attempted_at: Date; readonly outcome: string }>`
        SELECT attempted_at, outcome FROM delivery_attempts`
      const expected = new Map<string, { delivered: number; retry: number; dead: number }>()
      for (const row of rows) {
        const minute = new Date(Math.floor(row.attempted_at.getTime() / MINUTE_MS) * MINUTE_MS).toISOString()
        const counts = expected.get(minute) ?? { delivered: 0, retry: 0, dead: 0 }
        if (row.outcome === "delivered" || row.outcome === "retry" || row.outcome === "dead") counts[row.outcome]++
        expected.set(minute, counts)
      }
      for (const m of minutes) {
        assert.deepStrictEqual({ delivered: m.delivered, retry: m.retry, dead: m.dead }, expected.get(m.minute) ?? { delivered: 0, retry: 0, dead: 0 })
      }
      const total = minutes.reduce((n, m) => n + m.delivered + m.retry + m.dead, 0)
      assert.isAtLeast(total, 2)
      assert.strictEqual(total, rows.filter((row) => row.attempted_at.getTime() < last + MINUTE_MS).length)
    }))
})
