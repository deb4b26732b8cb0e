import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { CONTENT_TYPE } from "../../src/metrics/Route.js"
import { Rollups } from "../../services/Rollups.js"
import { sample } from "../support/Fixtures.js"
import { postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import * as FrozenClock from "./support/FrozenClock.js"
import { promtool } from "./support/Promtool.js"

const clock = FrozenClock.make(Date.parse("2026-11-20T10:00:00Z"))
const Hub = TestHub.layer.pipe(Layer.provide(clock.layer))

layer(Hub, { excludeTestServices: true, timeout: 120_000 })("GET /metrics", (it) => {
  it.effect("exports ingest, heartbeat, liveness, rollup, pruning and pool metrics in a format promtool accepts", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      yield* postJson(`${hub.url}/api/ingest`, hub.token, sample("m-1"))
      yield* postJson(`${hub.url}/api/ingest`, hub.token, sample("m-1"))
      yield* postJson(`${hub.url}/api/ingest`, hub.token, { ...sample("m-2"), extra: true })
      yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, {
        schema_version: "connector.heartbeat.v1",
        connector: { connector_type: "sandbox", endpoint_identity: "sandbox-1", instance_id: "0190f5a4-1111-7000-8000-000000000001" },
        status: { state: "healthy", uptime_s: 1 },
        counters: { messages_ingested: 1, messages_failed: 0, source_api_calls: 1, checkpoint_saves: 1, dedupe_accepted: 1 },
        sent_at: "2026-11-20T10:00:00Z"
      })
      const rollups = yield* Rollups
      yield* rollups.rollup("hourly", new Date("2026-11-20T09:00:00Z"))
      yield* rollups.prune

      const res = yield* request(`${hub.url}/metrics`)
      assert.strictEqual(res.status, 200)
      assert.strictEqual(res.headers.get("content-type"), CONTENT_TYPE)
      const text = String(res.body)
      for (const line of [
        "switchboard_ingest_results_total{outcome=\"accepted\",channel=\"sandbox\"} 1",
        "switchboard_ingest_results_total{outcome=\"duplicate\",channel=\"sandbox\"} 1",
        "switchboard_ingest_results_total{outcome=\"rejected\",channel=\"sandbox\"} 1",
        "switchboard_ingest_latency_seconds_count{operation=\"single\"} 3",
        "switchboard_heartbeats_received_total{result=\"accepted\",connector_type=\"sandbox\"} 1",
        "switchboard_connectors{liveness=\"online\"} 1",
        "switchboard_connectors{liveness=\"offline\"} 0",
        "switchboard_rollup_duration_seconds_count{kind=\"hourly\"} 1",
        "switchboard_rollup_rows_total{kind=\"hourly\"} 0",
        "switchboard_pruned_rows_total{table=\"connector_stats_hourly\"} 0",
        "switchboard_db_pool_max_connections "
      ]) assert.include(text, line)
      assert.match(text, /switchboard_db_connections\{state="active"\} [1-9]/)
      const check = yield* promtool(text)
      assert.strictEqual(check.code, 0, check.output)
    }))
})
