import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import { Ingest } from "../../services/Ingest.js"
import * as TestHub from "../support/TestHub.js"
import * as Receiver from "./support/Receiver.js"
import * as S from "./support/Scenario.js"
import { fastDelivery } from "./support/TestOptions.js"
import * as Wait from "./support/Wait.js"

// Two workers (as in two hub replicas) over one database; each layerWith call builds its own worker.
const worker = { ...fastDelivery, concurrency: 6 }
const TwoWorkers = Layer.mergeAll(DeliveryWorker.layerWith(worker), DeliveryWorker.layerWith(worker)).pipe(
  Layer.provideMerge(TestHub.layer)
)

const REQUESTS = 300

layer(TwoWorkers, { excludeTestServices: true, timeout: 120_000 })("two delivery workers on one database", (it) => {
  it.scoped("share the outbox without ever delivering the same row twice", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      // A few milliseconds per answer keeps both workers' slots busy, so both claim work.
      const slow: Receiver.Reply = { status: 200, delayMs: 3 }
      const left = yield* Receiver.make(() => slow)
      const right = yield* Receiver.make(() => slow)
      yield* S.addTarget("left", left.url)
      yield* S.addTarget("right", right.url)
      yield* S.addRoute({ endpoint_identity: "pair-1", target: "left" })
      yield* S.addRoute({ endpoint_identity: "pair-1", target: "right" })
      yield* S.refresh
      const envelopes = Array.from({ length: REQUESTS }, (_, i) => S.envelope(`pair-${i}`, { endpoint: "pair-1" }))
      const answer = yield* Effect.flatMap(Ingest, (ingest) => ingest.acceptBatch(envelopes, S.admin)).pipe(Effect.orDie)
      assert.strictEqual(answer.accepted, REQUESTS)

      yield* Wait.untilTrue(
        "every request delivered to both targets",
        sql<{ n: number }>`SELECT count(*)::int AS n FROM message_inbox
          WHERE source_endpoint_identity = 'pair-1' AND lifecycle_state = 'delivered'`.pipe(
          Effect.map((rows) => rows[0]?.n === REQUESTS),
          Effect.orDie
        )
      )
      for (const receiver of [left, right]) {
        const ids = receiver.received().map((r) => Receiver.header(r, "webhook-id"))
        assert.strictEqual(ids.length, REQUESTS, "one request per outbox row")
        assert.strictEqual(new Set(ids).size, REQUESTS, "no webhook-id twice")
      }
      const attempts = yield* sql<{ attempts: number; n: number }>`
        SELECT attempts, count(*)::int AS n FROM delivery_outbox o JOIN message_inbox m USING (request_id)
        WHERE m.source_endpoint_identity = 'pair-1' GROUP BY attempts`
      assert.deepStrictEqual(attempts, [{ attempts: 1, n: 2 * REQUESTS }])
      const workers = yield* sql<{ claimed_by: string }>`
        SELECT DISTINCT claimed_by FROM delivery_outbox o JOIN message_inbox m USING (request_id)
        WHERE m.source_endpoint_identity = 'pair-1'`
      assert.strictEqual(workers.length, 2, "both workers delivered part of the outbox")
    }))
})
