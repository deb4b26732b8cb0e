import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Redacted } from "effect"
import type { HeartbeatInput } from "../../src/domain/Heartbeat.js"
import * as Client from "../../src/rpc/Client.js"
import { field, postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import * as FrozenClock from "../stats/support/FrozenClock.js"

const NOW = Date.parse("2026-11-22T23:59:00Z")
const clock = FrozenClock.make(NOW)
const Hub = TestHub.layer.pipe(Layer.provide(clock.layer))

const INSTANCE_A = "0190f5a4-1111-7000-8000-000000000001"
const INSTANCE_B = "0190f5a4-2222-7000-8000-000000000002"

const heartbeat = (identity: string, instance: string, ingested: number, extra: Partial<HeartbeatInput> = {}): HeartbeatInput => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: "sandbox", endpoint_identity: identity, instance_id: instance, version: "1.2.3" },
  status: { state: "healthy", error_message: null, uptime_s: 10 },
  counters: { messages_ingested: ingested, messages_failed: 1, source_api_calls: 5, checkpoint_saves: 2, dedupe_accepted: 0 },
  sent_at: "2026-11-22T23:58:59Z",
  ...extra
})

const registryOf = (identity: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{
      instance_id: string
      registered_via: string
      first_seen_at: Date
      last_heartbeat_at: Date
      restart_count: number
      counter_messages_ingested: string
      checkpoint_cursor: string | null
      capabilities: Record<string, boolean>
    }>`SELECT * FROM connector_registry WHERE connector_type = 'sandbox' AND endpoint_identity = ${identity}`).pipe(
      Effect.map((rows) => rows[0]!),
      Effect.orDie
    )

const deltasOf = (identity: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ delta: string; counter: string; partition: string }>`
      SELECT delta_messages_ingested AS delta, counter_messages_ingested AS counter, tableoid::regclass::text AS partition
      FROM connector_heartbeat_log WHERE endpoint_identity = ${identity} ORDER BY counter_messages_ingested, received_at`).pipe(
      Effect.map((rows) => rows.map((r) => ({ delta: Number(r.delta), counter: Number(r.counter), partition: r.partition }))),
      Effect.orDie
    )

layer(Hub, { excludeTestServices: true, timeout: 120_000 })("heartbeats into the hub", (it) => {
  it.effect("REST: an unknown connector self-registers; the answer carries the server time", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const res = yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, heartbeat("rest-1", INSTANCE_A, 3))
      assert.strictEqual(res.status, 202, JSON.stringify(res.body))
      assert.deepStrictEqual(res.body, { status: "accepted", server_time: new Date(NOW).toISOString() })
      const row = yield* registryOf("rest-1")
      assert.strictEqual(row.registered_via, "self")
      assert.strictEqual(row.first_seen_at.getTime(), NOW)
      assert.strictEqual(row.last_heartbeat_at.getTime(), NOW)
      const log = yield* deltasOf("rest-1")
      assert.deepStrictEqual(log, [{ delta: 3, counter: 3, partition: "connector_heartbeat_log_p20261122" }])
    }))

  it.effect("deltas against the same instance; a new instance_id is a restart whose delta is its counters", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const send = (instance: string, ingested: number) =>
        postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, heartbeat("restarts", instance, ingested)).pipe(
          Effect.tap((r) => assert.strictEqual(r.status, 202))
        )
      yield* send(INSTANCE_A, 5)
      yield* send(INSTANCE_A, 9)
      yield* send(INSTANCE_B, 2)
      yield* send(INSTANCE_B, 7)
      const log = yield* deltasOf("restarts")
      assert.deepStrictEqual(log.map((l) => l.delta).reduce((a, b) => a + b, 0), 9 + 7)
      const row = yield* registryOf("restarts")
      assert.strictEqual(row.instance_id, INSTANCE_B)
      assert.strictEqual(row.restart_count, 1)
      assert.strictEqual(Number(row.counter_messages_ingested), 7)
    }))

  it.effect("a heartbeat without checkpoint or capabilities keeps the stored ones", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const url = `${hub.url}/api/connectors/heartbeat`
      yield* postJson(url, hub.token, heartbeat("keeps", INSTANCE_A, 1, {
        checkpoint: { cursor: "offset-42", updated_at: "2026-11-22T23:58:00Z" },
        capabilities: { polling: true, webhooks: false }
      }))
      yield* postJson(url, hub.token, heartbeat("keeps", INSTANCE_A, 2))
      const row = yield* registryOf("keeps")
      assert.strictEqual(row.checkpoint_cursor, "offset-42")
      assert.deepStrictEqual(row.capabilities, { polling: true, webhooks: false })
      assert.strictEqual(Number(row.counter_messages_ingested), 2)
    }))

  it.effect("rejections name what was wrong: 400 invalid, 403 outside the token scope or without the ingest role", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const url = `${hub.url}/api/connectors/heartbeat`
      const invalid = yield* postJson(url, hub.token, { ...heartbeat("bad", INSTANCE_A, 1), extra: 1, sent_at: "yesterday" })
      assert.strictEqual(invalid.status, 400)
      const paths = (field(invalid.body, "issues") as ReadonlyArray<{ path: string }>).map((i) => i.path).sort()
      assert.deepStrictEqual(paths, ["extra", "sent_at"])
      const scoped = yield* hub.mintToken({ channel: "telegram", endpoint_identity: "bot-1" })
      const outside = yield* postJson(url, scoped.token, heartbeat("bad", INSTANCE_A, 1))
      assert.strictEqual(outside.status, 403)
      assert.match(String(field(outside.body, "message")), /cannot send heartbeats for sandbox\/bad/)
      const inside = yield* postJson(url, scoped.token, {
        ...heartbeat("bot-1", INSTANCE_A, 1),
        connector: { connector_type: "telegram", endpoint_identity: "bot-1", instance_id: INSTANCE_A }
      })
      assert.strictEqual(inside.status, 202)
      const reader = yield* hub.mintToken({ role: "read" })
      assert.strictEqual((yield* postJson(url, reader.token, heartbeat("bad", INSTANCE_A, 1))).status, 403)
      assert.strictEqual((yield* postJson(url, undefined, heartbeat("bad", INSTANCE_A, 1))).status, 401)
    }))

  it.effect("RPC: Heartbeat answers like REST; an invalid heartbeat is a typed ValidationError, not a defect", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const client = Client.layer({ url: hub.url, token: Redacted.make(hub.token) })
      const result = yield* Effect.gen(function*() {
        const rpc = yield* Client.HubRpcClient
        const ok = yield* rpc.Heartbeat(heartbeat("rpc-1", INSTANCE_A, 4))
        const bad = yield* rpc.Heartbeat(heartbeat("rpc-1", INSTANCE_A, -1)).pipe(Effect.flip)
        return { ok, bad }
      }).pipe(Effect.provide(client))
      assert.strictEqual(result.ok.status, "accepted")
      assert.strictEqual(result.bad._tag, "ValidationError")
      assert.strictEqual((yield* registryOf("rpc-1")).registered_via, "self")
    }))

  it.effect("today's numbers and the current hour follow the heartbeats and start afresh in a new hour and day", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const send = (ingested: number, state: "healthy" | "error" = "healthy") =>
        postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, {
          ...heartbeat("live", INSTANCE_A, ingested),
          status: { state, error_message: state === "error" ? "boom" : null, uptime_s: 1 }
        }).pipe(Effect.tap((r) => assert.strictEqual(r.status, 202)))
      const today = Effect.flatMap(
        request(`${hub.url}/api/connectors/sandbox/live`, { headers: { authorization: `Bearer ${hub.token}` } }),
        (r) => Effect.succeed(field(field(r.body, "data"), "today"))
      )
      const lastHour = Effect.flatMap(
        request(`${hub.url}/api/connectors/sandbox/live/stats?period=24h`, { headers: { authorization: `Bearer ${hub.token}` } }),
        (r) => Effect.succeed((field(field(r.body, "data"), "timeseries") as ReadonlyArray<unknown>).at(-1))
      )
      yield* send(10)
      yield* send(15, "error")
      assert.deepStrictEqual(yield* today, { messages_ingested: 15, messages_failed: 1, uptime_pct: 50 })
      assert.deepStrictEqual(yield* lastHour, {
        bucket: "2026-11-22T23:00:00.000Z", messages_ingested: 15, messages_failed: 1, healthy_count: 1, degraded_count: 0, error_count: 1
      })
      clock.set(Date.parse("2026-11-23T00:01:00Z"))
      assert.deepStrictEqual(yield* today, { messages_ingested: 0, messages_failed: 0, uptime_pct: null })
      yield* send(18)
      assert.deepStrictEqual(yield* today, { messages_ingested: 3, messages_failed: 0, uptime_pct: 100 })
      assert.deepStrictEqual(yield* lastHour, {
        bucket: "2026-11-23T00:00:00.000Z", messages_ingested: 3, messages_failed: 0, healthy_count: 1, degraded_count: 0, error_count: 0
      })
      clock.set(NOW)
    }))
})
