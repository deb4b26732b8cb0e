import { assert, describe, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Redacted } from "effect"
import * as Migrations from "../../layers/Database/Migrations.js"
import * as PgDatabase from "../../layers/Database/PgDatabase.js"
import * as DeliveryLive from "../../layers/Delivery/DeliveryLive.js"
import * as PgTokenStore from "../../layers/TokenStore/PgTokenStore.js"
import { TokenStore } from "../../services/TokenStore.js"
import { postJson } from "../support/Http.js"
import * as TestDatabase from "../support/TestDatabase.js"
import * as HubProcess from "./support/HubProcess.js"
import * as Receiver from "./support/Receiver.js"
import * as S from "./support/Scenario.js"
import * as Wait from "./support/Wait.js"

const REQUESTS = 40

/** Short lease and timeouts, so a killed hub's claims expire quickly (configuration, not assertions). */
const hubEnv = (databaseUrl: string) => ({
  DATABASE_URL: databaseUrl,
  SWITCHBOARD_LOG_LEVEL: "Error",
  SWITCHBOARD_DELIVERY_POLL_INTERVAL: "50 millis",
  SWITCHBOARD_DELIVERY_TIMEOUT: "4 seconds",
  SWITCHBOARD_DELIVERY_LEASE: "5 seconds",
  SWITCHBOARD_DELIVERY_BACKOFF_BASE: "100 millis"
})

describe("a hub killed mid-delivery", () => {
  it.live("delivers every request at least once after a restart, and duplicates carry the same webhook-id", () =>
    Effect.gen(function*() {
      const { url } = yield* TestDatabase.freshLocalDatabase
      const database = PgDatabase.layer(Redacted.make(url), { ...PgDatabase.defaults, poolSize: 4 })
      const stores = Layer.mergeAll(DeliveryLive.StoresLive, PgTokenStore.layer).pipe(
        Layer.provideMerge(Layer.provideMerge(Migrations.layer, database))
      )
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        // The receiver records every request and answers none until the first hub is dead.
        const sink = yield* Receiver.make(() => "hold")
        yield* S.addTarget("sink", sink.url)
        yield* S.addRoute({ endpoint_identity: "crash-1", target: "sink" })
        const { secret } = yield* (yield* TokenStore).create({
          env: "test",
          channel: "*",
          provider: "*",
          endpoint_identity: "*",
          role: "ingest",
          label: null,
          expires_at: null,
          replaces: null
        }).pipe(Effect.orDie)

        const first = yield* HubProcess.start(hubEnv(url))
        const batch = Array.from({ length: REQUESTS }, (_, i) => S.envelope(`crash-${i}`, { endpoint: "crash-1" }))
        const res = yield* postJson(`${first.url}/api/ingest/batch`, Redacted.value(secret), { envelopes: batch })
        assert.strictEqual(res.status, 202, JSON.stringify(res.body))
        const requestIds = yield* sql<{ request_id: string }>`
          SELECT request_id FROM message_inbox WHERE source_endpoint_identity = 'crash-1'`
        assert.strictEqual(requestIds.length, REQUESTS)

        yield* Wait.untilTrue("deliveries in flight at the receiver", Effect.sync(() => sink.received().length >= 10))
        yield* HubProcess.kill(first, "SIGKILL")
        const seenBeforeKill = sink.received().length
        sink.answer(() => Receiver.ok)

        const second = yield* HubProcess.start(hubEnv(url))
        yield* Wait.untilTrue(
          "every request delivered after the restart",
          sql<{ n: number }>`SELECT count(*)::int AS n FROM message_inbox
            WHERE source_endpoint_identity = 'crash-1' AND lifecycle_state = 'delivered'`.pipe(
            Effect.map((rows) => rows[0]?.n === REQUESTS)
          ),
          "60 seconds"
        )
        yield* HubProcess.kill(second, "SIGTERM")

        const webhookIdsByRequest = new Map<string, Set<string>>()
        for (const r of sink.received()) {
          const requestId = String(Receiver.json(r).data["request_context"]?.["request_id"])
          const ids = webhookIdsByRequest.get(requestId) ?? new Set()
          ids.add(Receiver.header(r, "webhook-id"))
          webhookIdsByRequest.set(requestId, ids)
        }
        for (const { request_id } of requestIds) {
          assert.strictEqual(webhookIdsByRequest.get(request_id)?.size, 1, `request ${request_id}: one webhook-id`)
        }
        assert.isAtLeast(seenBeforeKill, 10)
        assert.isAbove(sink.received().length, REQUESTS, "requests held when the hub died were delivered again")
      }).pipe(Effect.provide(stores))
    }).pipe(Effect.scoped), { timeout: 120_000 })
})
