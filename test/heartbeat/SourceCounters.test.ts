/**
 * Heartbeat `source_counters`: checked at the edge, kept in the registry row, and summed by connector
 * type into /metrics for the names that type declares (no other name becomes a label).
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it as plain, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { sourceCounters } from "../../src/connectors/runtime/Heartbeat.js"
import type { HeartbeatInput } from "../../src/domain/Heartbeat.js"
import { postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"

const heartbeat = (identity: string, instance: string, counters: Record<string, unknown>): HeartbeatInput => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: "sandbox", endpoint_identity: identity, instance_id: instance },
  status: { state: "healthy", error_message: null, uptime_s: 10 },
  counters: { messages_ingested: 1, messages_failed: 0, source_api_calls: 1, checkpoint_saves: 0, dedupe_accepted: 0 },
  source_counters: counters as Record<string, number>,
  sent_at: "2026-11-22T23:58:59Z"
})

const stored = (identity: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ source_counters: Record<string, number> | null }>`
      SELECT source_counters FROM connector_registry WHERE connector_type = 'sandbox' AND endpoint_identity = ${identity}`).pipe(
      Effect.map((rows) => rows[0]?.source_counters ?? null),
      Effect.orDie
    )

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("source counters", (it) => {
  it.effect("are stored, and /metrics sums the declared ones by type and leaves the rest out", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const url = `${hub.url}/api/connectors/heartbeat`
      const a = yield* postJson(url, hub.token, heartbeat("sc-a", "0190f5a4-1111-7000-8000-00000000000a", {
        cursor_resets: 2,
        "skipped.other": 5,
        made_up_counter: 7
      }))
      assert.strictEqual(a.status, 202, JSON.stringify(a.body))
      const b = yield* postJson(url, hub.token, heartbeat("sc-b", "0190f5a4-1111-7000-8000-00000000000b", { cursor_resets: 1 }))
      assert.strictEqual(b.status, 202, JSON.stringify(b.body))
      assert.deepStrictEqual(yield* stored("sc-a"), { cursor_resets: 2, "skipped.other": 5, made_up_counter: 7 })

      const text = String((yield* request(`${hub.url}/metrics`)).body)
      assert.include(text, "switchboard_connector_source_counter{connector_type=\"sandbox\",counter=\"cursor_resets\"} 3")
      assert.include(text, "switchboard_connector_source_counter{connector_type=\"sandbox\",counter=\"skipped.other\"} 5")
      assert.notInclude(text, "made_up_counter")
    }))

  it.effect("a bad name or count is a 400 naming source_counters, and stores nothing", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const url = `${hub.url}/api/connectors/heartbeat`
      for (const [counters, named] of [
        [{ "Bad Name": 1 }, "source_counters"],
        [{ fine: -1 }, "fine"],
        [{ fine: 1.5 }, "fine"],
        [Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`c${i}`, 1])), "at most 64"]
      ] as const) {
        const res = yield* postJson(url, hub.token, heartbeat("sc-bad", "0190f5a4-1111-7000-8000-00000000000c", counters))
        assert.strictEqual(res.status, 400, JSON.stringify(res.body))
        assert.include(JSON.stringify(res.body), named)
      }
      assert.isTrue(Option.isNone(Option.fromNullable(yield* stored("sc-bad"))))
    }))
})

describe("runtime source counters", () => {
  plain("skips and degradations by reason, odd reasons folded into other, the connector's own last", () => {
    const counters = sourceCounters(
      {
        skipped: { label_excluded: 2, "unsupported update kind: poll": 1, "malformed update: x": 2 },
        degraded: { too_large: 1 },
        cursorResets: 1
      },
      { history_fetches: 4, cursor_resets: 9 }
    )
    assert.deepStrictEqual(counters, {
      "skipped.label_excluded": 2,
      "skipped.other": 3,
      "degraded.too_large": 1,
      cursor_resets: 9,
      history_fetches: 4
    })
  })
})
