import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Metric } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import * as DeliveryMetrics from "../../src/delivery/Metrics.js"
import { DeliveryStore } from "../../services/DeliveryStore.js"
import { RoutingStore } from "../../services/RoutingStore.js"
import * as TestHub from "../support/TestHub.js"
import * as Receiver from "./support/Receiver.js"
import * as S from "./support/Scenario.js"
import { verify } from "./support/StandardWebhooks.js"
import { fastDelivery } from "./support/TestOptions.js"
import * as Wait from "./support/Wait.js"

const TestLayer = DeliveryWorker.layerWith(fastDelivery).pipe(Layer.provideMerge(TestHub.layer))

const nowS = () => Math.floor(Date.now() / 1000)

const counted = (target: string, outcome: string) =>
  Metric.value(Metric.tagged(Metric.tagged(DeliveryMetrics.deliveries, "target", target), "outcome", outcome)).pipe(
    Effect.map((s) => s.count)
  )

layer(TestLayer, { excludeTestServices: true, timeout: 120_000 })("delivery to HTTP targets", (it) => {
  it.scoped("fans out to every matching target, each delivery signed per Standard Webhooks", () =>
    Effect.gen(function*() {
      const a = yield* Receiver.make()
      const b = yield* Receiver.make()
      const secretA = yield* S.addTarget("fan-a", a.url)
      const secretB = yield* S.addTarget("fan-b", b.url)
      yield* S.addRoute({ endpoint_identity: "fanout-1", target: "fan-a" })
      yield* S.addRoute({ endpoint_identity: "fanout-1", text_pattern: "invoice", target: "fan-b" })
      yield* S.refresh
      const both = yield* S.ingest(S.envelope("fan-1", { endpoint: "fanout-1", text: "invoice 7" }))
      const onlyA = yield* S.ingest(S.envelope("fan-2", { endpoint: "fanout-1", text: "hello" }))
      const state = yield* S.waitForState(both, "delivered")
      yield* S.waitForState(onlyA, "delivered")

      assert.deepStrictEqual(state.dispatch_outcomes.map((o) => [o.target, o.status, o.attempts]), [
        ["fan-a", "delivered", 1],
        ["fan-b", "delivered", 1]
      ])
      assert.isNotNull(S.outcomeOf(state, "fan-a").delivered_at)
      assert.strictEqual(a.received().length, 2)
      assert.strictEqual(b.received().length, 1)
      for (const [receiver, secret, target] of [[a, secretA, "fan-a"], [b, secretB, "fan-b"]] as const) {
        for (const r of receiver.received()) {
          assert.strictEqual(verify(secret, r.headers, r.body, nowS()), "ok")
          assert.strictEqual(verify(secret === secretA ? secretB : secretA, r.headers, r.body, nowS()), "bad-signature")
          const body = Receiver.json(r)
          assert.strictEqual(body.data["request_context"]?.["target"], target)
          assert.strictEqual(body.data["request_context"]?.["webhook_id"], Receiver.header(r, "webhook-id"))
        }
      }
      const toB = Receiver.json(b.received()[0]!)
      assert.strictEqual(toB.data["request_context"]?.["request_id"], both)
      assert.strictEqual(toB.data["payload"]?.["normalized_text"], "invoice 7")
      assert.deepStrictEqual(toB.data["source"], { channel: "sandbox", provider: "sandbox", endpoint_identity: "fanout-1" })
      const idA = a.received().find((r) => Receiver.json(r).data["request_context"]?.["request_id"] === both)
      assert.notStrictEqual(Receiver.header(idA!, "webhook-id"), Receiver.header(b.received()[0]!, "webhook-id"))
      assert.strictEqual(yield* counted("fan-a", "delivered"), 2)
      yield* Wait.untilTrue(
        "outbox depth gauge of fan-a back to 0",
        Effect.map(Metric.value(Metric.tagged(DeliveryMetrics.outboxDepth, "target", "fan-a")), (g) => g.value === 0)
      )
    }))

  it.scoped("retries a receiver that fails 3 times and delivers on the 4th attempt with the same webhook-id", () =>
    Effect.gen(function*() {
      const flaky = yield* Receiver.make((_, n) => (n < 3 ? { status: 503, body: "busy" } : Receiver.ok))
      yield* S.addTarget("flaky", flaky.url)
      yield* S.addRoute({ endpoint_identity: "flaky-1", target: "flaky" })
      yield* S.refresh
      const id = yield* S.ingest(S.envelope("flaky-1", { endpoint: "flaky-1" }))
      const state = yield* S.waitForState(id, "delivered")
      assert.strictEqual(S.outcomeOf(state, "flaky").attempts, 4)
      assert.isNull(S.outcomeOf(state, "flaky").last_error)
      assert.strictEqual(flaky.received().length, 4)
      assert.strictEqual(new Set(flaky.received().map((r) => Receiver.header(r, "webhook-id"))).size, 1)
      assert.strictEqual(yield* counted("flaky", "retried"), 3)
    }))

  it.scoped("honours Retry-After on 429 before the next attempt", () =>
    Effect.gen(function*() {
      const limited = yield* Receiver.make((_, n) => (n === 0 ? { status: 429, headers: { "retry-after": "1" } } : Receiver.ok))
      yield* S.addTarget("limited", limited.url)
      yield* S.addRoute({ endpoint_identity: "limited-1", target: "limited" })
      yield* S.refresh
      const id = yield* S.ingest(S.envelope("limited-1", { endpoint: "limited-1" }))
      yield* S.waitForState(id, "delivered")
      const [first, second] = limited.received()
      // Test retry waits are 50-400 ms; only an honoured Retry-After: 1 makes the gap at least a second.
      assert.isAtLeast(second!.at - first!.at, 1000)
    }))

  it.scoped("dead-letters a permanent failure at once; a replay delivers it with the same webhook-id, once", () =>
    Effect.gen(function*() {
      const picky = yield* Receiver.make(() => ({ status: 400, body: "unknown field" }))
      yield* S.addTarget("picky", picky.url)
      yield* S.addRoute({ endpoint_identity: "picky-1", target: "picky" })
      yield* S.refresh
      const id = yield* S.ingest(S.envelope("picky-1", { endpoint: "picky-1" }))
      const dead = yield* S.waitForState(id, "dead_lettered")
      assert.strictEqual(S.outcomeOf(dead, "picky").attempts, 1)
      const store = yield* DeliveryStore
      const letters = yield* store.listDeadLetters({ target: "picky", since: null })
      assert.strictEqual(letters.length, 1)
      const letter = letters[0]!
      assert.strictEqual(letter.request_id, id)
      assert.strictEqual(letter.last_error, "permanent failure: HTTP 400: unknown field")
      assert.strictEqual(letter.last_status, 400)

      picky.answer(() => Receiver.ok)
      assert.strictEqual(yield* store.replay(letter.id), "replayed")
      const delivered = yield* S.waitForState(id, "delivered")
      assert.strictEqual(S.outcomeOf(delivered, "picky").status, "delivered")
      assert.strictEqual(picky.received().length, 2)
      assert.strictEqual(Receiver.header(picky.received()[1]!, "webhook-id"), letter.webhook_id)
      assert.strictEqual(Receiver.header(picky.received()[0]!, "webhook-id"), letter.webhook_id)
      assert.strictEqual(yield* store.replay(letter.id), "already_replayed")
      assert.strictEqual(yield* store.replayAll("picky"), 0)
      assert.isNotNull((yield* store.listDeadLetters({ target: "picky", since: null }))[0]!.replayed_at)
      const missing = yield* Effect.flip(store.replay("999999"))
      assert.strictEqual(missing._tag, "DeadLetterNotFound")
    }))

  it.scoped("keeps only a short, sanitised excerpt of a failing reply (NUL and escape sequences included)", () =>
    Effect.gen(function*() {
      const hostile = yield* Receiver.make(() => ({
        status: 400,
        body: `no\u0000pe \u001b[2J\u001b]0;owned\u0007 \u202eevil ${"x".repeat(10_000)}`
      }))
      yield* S.addTarget("hostile", hostile.url)
      yield* S.addRoute({ endpoint_identity: "hostile-1", target: "hostile" })
      yield* S.refresh
      const id = yield* S.ingest(S.envelope("hostile-1", { endpoint: "hostile-1" }))
      const state = yield* S.waitForState(id, "dead_lettered")
      const error = String(S.outcomeOf(state, "hostile").last_error)
      assert.match(error, /^permanent failure: HTTP 400: no pe \[2J \]0;owned evil x+…$/)
      assert.isAtMost(error.length, 200)
      const letter = (yield* (yield* DeliveryStore).listDeadLetters({ target: "hostile", since: null }))[0]
      assert.strictEqual(letter?.last_error, error)
    }))

  it.scoped("gives up after the attempt limit; with another target delivered the request is partially_failed", () =>
    Effect.gen(function*() {
      const good = yield* Receiver.make()
      const broken = yield* Receiver.make(() => ({ status: 500 }))
      yield* S.addTarget("good", good.url)
      yield* S.addTarget("broken", broken.url)
      yield* S.addRoute({ endpoint_identity: "partial-1", target: "good" })
      yield* S.addRoute({ endpoint_identity: "partial-1", target: "broken" })
      yield* S.refresh
      const id = yield* S.ingest(S.envelope("partial-1", { endpoint: "partial-1" }))
      const state = yield* S.waitForState(id, "partially_failed")
      assert.strictEqual(S.outcomeOf(state, "good").status, "delivered")
      assert.deepStrictEqual(S.outcomeOf(state, "broken"), {
        target: "broken",
        status: "dead_lettered",
        attempts: 4,
        last_error: "gave up after 4 attempts: HTTP 500",
        delivered_at: null
      })
      assert.strictEqual(broken.received().length, 4)
      const letters = yield* (yield* DeliveryStore).listDeadLetters({ target: "broken", since: null })
      assert.strictEqual(letters[0]?.last_error, "gave up after 4 attempts: HTTP 500")
      assert.strictEqual(
        (yield* Metric.value(Metric.tagged(DeliveryMetrics.deadLettersWritten, "target", "broken"))).count,
        1
      )
    }))

  it.scoped("delivers one thread in acceptance order: a later request waits while an earlier one is retried", () =>
    Effect.gen(function*() {
      let triesOfA = 0
      const ordered = yield* Receiver.make((r) => {
        if (Receiver.json(r).data["event"]?.["external_event_id"] !== "order-a") return Receiver.ok
        triesOfA++
        return triesOfA <= 2 ? { status: 503 } : Receiver.ok
      })
      yield* S.addTarget("ordered", ordered.url)
      yield* S.addRoute({ endpoint_identity: "order-1", target: "ordered" })
      yield* S.refresh
      const ids = yield* Effect.forEach(["order-a", "order-b", "order-c"], (e) =>
        S.ingest(S.envelope(e, { endpoint: "order-1", thread: "t-1" })))
      const other = yield* S.ingest(S.envelope("order-x", { endpoint: "order-1", thread: "t-2" }))
      yield* Effect.forEach([...ids, other], (id) => S.waitForState(id, "delivered"))
      const thread1 = ordered.received()
        .map((r) => Receiver.json(r).data["event"])
        .filter((e) => e?.["external_thread_id"] === "t-1")
        .map((e) => e?.["external_event_id"])
      assert.deepStrictEqual(thread1, ["order-a", "order-a", "order-a", "order-b", "order-c"])
    }))

  it.scoped("leaves unmatched requests accepted without a general target, and sends them to general once it exists", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const unrouted = yield* S.ingest(S.envelope("nomatch-1", { endpoint: "nomatch-1" }))
      const before = yield* S.inboxState(unrouted)
      assert.strictEqual(before.lifecycle_state, "accepted")
      assert.deepStrictEqual(before.dispatch_outcomes, [])
      const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM delivery_outbox WHERE request_id = ${unrouted}`
      assert.strictEqual(rows[0]?.n, 0)

      const general = yield* Receiver.make()
      yield* S.addTarget("general", general.url)
      yield* S.refresh
      const routed = yield* S.ingest(S.envelope("nomatch-2", { endpoint: "nomatch-1" }))
      yield* S.waitForState(routed, "delivered")
      assert.deepStrictEqual(
        general.received().map((r) => Receiver.json(r).data["request_context"]?.["request_id"]),
        [routed]
      )
    }))

  it.scoped("dead-letters pending deliveries of a removed target, and refuses to replay them until it is back", () =>
    Effect.gen(function*() {
      const down = yield* Receiver.make(() => ({ status: 503 }))
      yield* S.addTarget("doomed", down.url)
      yield* S.addRoute({ endpoint_identity: "doomed-1", target: "doomed" })
      yield* S.refresh
      const id = yield* S.ingest(S.envelope("doomed-1", { endpoint: "doomed-1" }))
      yield* Wait.untilTrue("a first failed attempt", Effect.sync(() => down.received().length >= 1))
      const removed = yield* (yield* RoutingStore).removeTarget("doomed")
      assert.strictEqual(removed.rulesRemoved, 1)
      const state = yield* S.waitForState(id, "dead_lettered")
      assert.strictEqual(S.outcomeOf(state, "doomed").last_error, "permanent failure: target \"doomed\" was removed")
      const store = yield* DeliveryStore
      const letter = (yield* store.listDeadLetters({ target: "doomed", since: null }))[0]!
      assert.strictEqual((yield* Effect.flip(store.replay(letter.id)))._tag, "TargetNotFound")
    }))
})
