/**
 * Replaying requests (issue 12) over a real hub, real Postgres and real HTTP receivers: any request, to its
 * own targets or chosen ones, with the same webhook-id and a fresh attempt budget; pending deliveries are
 * left alone; dead letters are stamped; and the dead-letter list pages by keyset without gaps or repeats.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import * as WebhookId from "../../src/delivery/WebhookId.js"
import { type DeadLetterPage, type DeadLetterRecord, DeliveryStore } from "../../services/DeliveryStore.js"
import { RoutingStore } from "../../services/RoutingStore.js"
import * as TestHub from "../support/TestHub.js"
import * as O from "./support/Outbox.js"
import * as Receiver from "./support/Receiver.js"
import * as S from "./support/Scenario.js"
import { fastDelivery } from "./support/TestOptions.js"
import * as Wait from "./support/Wait.js"

const TestLayer = DeliveryWorker.layerWith(fastDelivery).pipe(Layer.provideMerge(TestHub.layer))

/** A target with its own receiver; `endpoint` requests are routed to it. */
const target = (name: string, endpoint: string | null, rule?: (request: Receiver.Received, n: number) => Receiver.Reply) =>
  Effect.gen(function*() {
    const receiver = yield* Receiver.make(rule)
    yield* S.addTarget(name, receiver.url)
    if (endpoint !== null) yield* S.addRoute({ endpoint_identity: endpoint, target: name })
    yield* S.refresh
    return receiver
  })

const receivedBy = (receiver: Receiver.Receiver, id: string) =>
  receiver.received().filter((r) => O.requestIdOf(r) === id)

layer(TestLayer, { excludeTestServices: true, timeout: 120_000 })("replaying requests", (it) => {
  it.scoped("a delivered request is delivered again with the same webhook-id; the attempt history keeps both", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      const receiver = yield* target("rp-again", "rp-again")
      const id = yield* S.ingest(S.envelope("rp-again-1", { endpoint: "rp-again" }))
      yield* S.waitForState(id, "delivered")

      const answer = yield* store.replayRequest(id, null)
      assert.deepStrictEqual(answer, [{ target: "rp-again", webhook_id: WebhookId.of(id, "rp-again"), result: "replayed" }])
      yield* Wait.untilTrue("the second delivery", Effect.sync(() => receivedBy(receiver, id).length === 2))
      yield* S.waitForState(id, "delivered")
      const [first, second] = receivedBy(receiver, id)
      assert.strictEqual(Receiver.header(second!, "webhook-id"), Receiver.header(first!, "webhook-id"))
      assert.strictEqual(Receiver.header(second!, "webhook-id"), WebhookId.of(id, "rp-again"))
      yield* Wait.untilTrue("both attempts recorded", Effect.map(O.attemptsOf(id, "rp-again"), (a) => a.length === 2))
      const history = yield* O.attemptsOf(id, "rp-again")
      assert.deepStrictEqual(history.map((a) => [a.attempt, a.outcome, a.status]), [[1, "delivered", 204], [1, "delivered", 204]])
      assert.strictEqual(S.outcomeOf(yield* S.inboxState(id), "rp-again").attempts, 1)
      assert.strictEqual(receivedBy(receiver, id).length, 2)
    }))

  it.scoped("replays to a chosen target the request was never routed to: a new delivery in its thread, with that target's webhook-id", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      const own = yield* target("rp-own", "rp-own")
      const extra = yield* target("rp-extra", null)
      const id = yield* S.ingest(S.envelope("rp-own-1", { endpoint: "rp-own", thread: "th-9" }))
      yield* S.waitForState(id, "delivered")

      const answer = yield* store.replayRequest(id, ["rp-extra", "rp-extra"])
      assert.deepStrictEqual(answer, [{ target: "rp-extra", webhook_id: WebhookId.of(id, "rp-extra"), result: "replayed" }])
      const row = yield* O.rowOf(id, "rp-extra")
      assert.strictEqual(row?.thread_key, "th-9")
      const state = yield* S.waitForState(id, "delivered")
      assert.deepStrictEqual(state.dispatch_outcomes.map((o) => [o.target, o.status]), [["rp-extra", "delivered"], ["rp-own", "delivered"]])
      const toExtra = receivedBy(extra, id)
      assert.strictEqual(toExtra.length, 1)
      assert.strictEqual(Receiver.header(toExtra[0]!, "webhook-id"), WebhookId.of(id, "rp-extra"))
      assert.strictEqual(receivedBy(own, id).length, 1)
    }))

  it.scoped("leaves a pending delivery as it is (already_pending); a replay to a paused target is held until the resume", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      const receiver = yield* target("rp-paused", "rp-paused")
      const delivered = yield* S.ingest(S.envelope("rp-paused-1", { endpoint: "rp-paused" }))
      yield* S.waitForState(delivered, "delivered")
      yield* store.pauseTarget("rp-paused")
      const waiting = yield* S.ingest(S.envelope("rp-paused-2", { endpoint: "rp-paused" }))
      yield* Wait.untilTrue("the new row parked", Effect.map(O.rowOf(waiting, "rp-paused"), (r) => r?.parked === true && !r.leased))

      const pending = yield* store.replayRequest(waiting, null)
      assert.strictEqual(pending[0]?.result, "already_pending")
      assert.isTrue((yield* O.rowOf(waiting, "rp-paused"))?.parked)
      const replayed = yield* store.replayRequest(delivered, ["rp-paused"])
      assert.strictEqual(replayed[0]?.result, "replayed")
      const row = yield* O.rowOf(delivered, "rp-paused")
      assert.isTrue(row?.status === "pending" && row.parked && row.attempts === 0)
      assert.strictEqual((yield* S.inboxState(delivered)).lifecycle_state, "routed")

      assert.deepStrictEqual(yield* store.resumeTarget("rp-paused"), { released: 2 })
      yield* S.waitForState(delivered, "delivered")
      yield* S.waitForState(waiting, "delivered")
      assert.strictEqual(receivedBy(receiver, delivered).length, 2)
      assert.strictEqual(receivedBy(receiver, waiting).length, 1)
    }))

  it.scoped("replays a dead-lettered request with a fresh attempt budget and stamps its dead letter", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      const receiver = yield* target("rp-dead", "rp-dead", () => ({ status: 400, body: "no" }))
      const id = yield* S.ingest(S.envelope("rp-dead-1", { endpoint: "rp-dead" }))
      yield* S.waitForState(id, "dead_lettered")
      const letter = (yield* store.listDeadLetters({ target: "rp-dead", since: null }))[0]!
      assert.isNull(letter.replayed_at)

      receiver.answer(() => Receiver.ok)
      assert.strictEqual((yield* store.replayRequest(id, null))[0]?.result, "replayed")
      const stamped = (yield* store.listDeadLetters({ target: "rp-dead", since: null }))[0]!
      assert.strictEqual(stamped.id, letter.id)
      assert.isNotNull(stamped.replayed_at)
      const state = yield* S.waitForState(id, "delivered")
      assert.strictEqual(S.outcomeOf(state, "rp-dead").attempts, 1)
      assert.strictEqual(yield* store.replay(letter.id), "already_replayed")
      const history = yield* O.attemptsOf(id, "rp-dead")
      assert.deepStrictEqual(history.map((a) => [a.attempt, a.outcome, a.status]), [[1, "dead", 400], [1, "delivered", 204]])
    }))

  it.scoped("bulk replay replays many requests in one call, counts those already pending and skips unknown ids", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      const receiver = yield* target("rp-bulk", "rp-bulk")
      const ids = yield* Effect.forEach(["b1", "b2", "b3"], (e) => S.ingest(S.envelope(`rp-bulk-${e}`, { endpoint: "rp-bulk" })))
      yield* Effect.forEach(ids, (id) => S.waitForState(id, "delivered"))
      yield* store.pauseTarget("rp-bulk")
      const held = yield* S.ingest(S.envelope("rp-bulk-b4", { endpoint: "rp-bulk" }))
      yield* Wait.untilTrue("the new row parked", Effect.map(O.rowOf(held, "rp-bulk"), (r) => r?.parked === true && !r.leased))

      const unknown = "01890000-0000-7000-8000-000000000000"
      const totals = yield* store.replayRequests([...ids, ids[0]!.toUpperCase(), held, unknown, "not-a-uuid"], null)
      assert.deepStrictEqual(totals, { replayed: 3, already_pending: 1 })
      assert.deepStrictEqual(yield* store.replayRequests([], null), { replayed: 0, already_pending: 0 })
      yield* store.resumeTarget("rp-bulk")
      yield* Effect.forEach([...ids, held], (id) => S.waitForState(id, "delivered"))
      for (const id of ids) assert.strictEqual(receivedBy(receiver, id).length, 2)
      assert.strictEqual(receivedBy(receiver, held).length, 1)
    }))

  it.scoped("refuses unknown requests and targets that are not live, naming the first missing one, and changes nothing", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      const receiver = yield* target("rp-refuse", "rp-refuse")
      yield* target("rp-gone", null)
      yield* (yield* RoutingStore).removeTarget("rp-gone")
      const id = yield* S.ingest(S.envelope("rp-refuse-1", { endpoint: "rp-refuse" }))
      yield* S.waitForState(id, "delivered")

      const unknown = yield* Effect.flip(store.replayRequest("01890000-0000-7000-8000-000000000000", null))
      assert.strictEqual(unknown._tag, "RequestNotFound")
      assert.strictEqual((yield* Effect.flip(store.replayRequest("'; DROP TABLE x; --", null)))._tag, "RequestNotFound")
      const missing = yield* Effect.flip(store.replayRequest(id, ["rp-refuse", "rp-nope-1", "rp-nope-2"]))
      assert.deepStrictEqual([missing._tag, missing._tag === "TargetNotFound" ? missing.name : ""], ["TargetNotFound", "rp-nope-1"])
      const gone = yield* Effect.flip(store.replayRequests([id], ["rp-gone"]))
      assert.deepStrictEqual([gone._tag, gone._tag === "TargetNotFound" ? gone.name : ""], ["TargetNotFound", "rp-gone"])
      assert.strictEqual((yield* O.rowOf(id, "rp-refuse"))?.status, "delivered")
      assert.strictEqual(yield* O.rowOf(id, "rp-gone"), undefined)
      assert.strictEqual(receivedBy(receiver, id).length, 1)
    }))

  it.scoped("pages dead letters newest first by keyset: every letter once, none missed, ties on dead_at included", () =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      const sql = yield* SqlClient.SqlClient
      yield* target("rp-page", "rp-page", () => ({ status: 410 }))
      const ids = yield* Effect.forEach(["p1", "p2", "p3", "p4"], (e) => S.ingest(S.envelope(`rp-page-${e}`, { endpoint: "rp-page" })))
      yield* Effect.forEach(ids, (id) => S.waitForState(id, "dead_lettered"))
      // Letters with the very same dead_at (a batch records many at once): only the id orders them.
      yield* sql`INSERT INTO dead_letters (request_id, target, webhook_id, attempts, last_status, last_error, dead_at)
        SELECT request_id, target, webhook_id, attempts, last_status, last_error, dead_at
        FROM dead_letters, generate_series(1, 5) WHERE target = 'rp-page' AND request_id = ${ids[1]!}`

      const all = yield* store.listDeadLetters({ target: "rp-page", since: null })
      assert.strictEqual(all.length, 9)
      for (const limit of [1, 2, 4, 9, 50]) {
        const seen: Array<DeadLetterRecord> = []
        let after: string | undefined = undefined
        for (let page = 0; page < 20; page++) {
          const result: DeadLetterPage = yield* store.listDeadLetterPage({ target: "rp-page", since: null, after, limit })
          seen.push(...result.items)
          assert.isAtMost(result.items.length, limit)
          if (result.next === undefined) break
          after = result.next
        }
        assert.deepStrictEqual(seen.map((l) => l.id), all.map((l) => l.id))
      }
      const none = { target: "rp-page", since: null, limit: 10 }
      assert.deepStrictEqual(yield* store.listDeadLetterPage({ ...none, after: "12abc" }), { items: [], next: undefined })
      assert.deepStrictEqual(yield* store.listDeadLetterPage({ ...none, after: "999999999999999999" }), { items: [], next: undefined })
      const future = yield* store.listDeadLetterPage({ ...none, since: new Date(Date.now() + 3_600_000), after: undefined })
      assert.deepStrictEqual(future.items, [])
    }))
})
