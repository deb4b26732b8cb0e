/**
 * Heartbeat `degradation` and `last_submission_at` in a real hub: checked at the edge (a 400 naming the
 * path), the latest object and running totals kept in the registry row (a new instance contributes all, a
 * drop within one instance is a reset), shown by the connector detail API and exported on /metrics.
 * Heartbeats without them (older connectors) are still accepted.
 */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import type { HeartbeatInput } from "../../src/domain/Heartbeat.js"
import { ConnectorDetailResponse, ConnectorListResponse } from "../../src/domain/StatsApi.js"
import { postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import { getAs } from "../stats/support/Api.js"

const INSTANCE_A = "0190f5a4-3333-7000-8000-00000000000a"
const INSTANCE_B = "0190f5a4-3333-7000-8000-00000000000b"

const heartbeat = (identity: string, instance: string, extra: Record<string, unknown> = {}): HeartbeatInput => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: "sandbox", endpoint_identity: identity, instance_id: instance },
  status: { state: "healthy", error_message: null, uptime_s: 10 },
  counters: { messages_ingested: 1, messages_failed: 0, source_api_calls: 1, checkpoint_saves: 0, dedupe_accepted: 0 },
  sent_at: "2026-11-22T23:58:59Z",
  ...extra
})

const stored = (identity: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ degradation: unknown; degradation_totals: unknown; last_submission_at: Date | null }>`
      SELECT degradation, degradation_totals, last_submission_at FROM connector_registry
      WHERE connector_type = 'sandbox' AND endpoint_identity = ${identity}`).pipe(
      Effect.map((rows) => rows[0]),
      Effect.orDie
    )

const detailUrl = (hub: TestHub.TestHubInfo, identity: string) =>
  `${hub.url}/api/connectors/sandbox/${encodeURIComponent(identity)}`

const metricsText = (hub: TestHub.TestHubInfo) => Effect.map(request(`${hub.url}/metrics`), (r) => String(r.body))

const series = (identity: string, kind: string, reason = "none") =>
  `switchboard_connector_degradations_total{connector_type="sandbox",endpoint_identity="${identity}",kind="${kind}",reason="${reason}"}`

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("degradation in heartbeats", (it) => {
  it.effect("a heartbeat without degradation (an older connector) is accepted and shows zeros and no submission", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const res = yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, heartbeat("deg-old", INSTANCE_A))
      assert.strictEqual(res.status, 202, JSON.stringify(res.body))
      const row = yield* stored("deg-old")
      assert.deepStrictEqual([row?.degradation, row?.degradation_totals, row?.last_submission_at], [null, null, null])
      const detail = yield* getAs(ConnectorDetailResponse, detailUrl(hub, "deg-old"), hub.token)
      assert.isNull(detail.data.degradation)
      assert.isNull(detail.data.last_submission_at)
      assert.strictEqual(detail.data.degradation_totals.media_failures, 0)
      assert.strictEqual(detail.data.degradations_total, 0)
      const text = yield* metricsText(hub)
      assert.include(text, `switchboard_connector_last_heartbeat_timestamp_seconds{connector_type="sandbox",endpoint_identity="deg-old"} `)
      assert.notInclude(text, series("deg-old", "media_failures"))
    }))

  it.effect("totals add deltas across restarts and resets; detail and /metrics show them", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const send = (instance: string, extra: Record<string, unknown>) =>
        postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, heartbeat("deg-1", instance, extra)).pipe(
          Effect.tap((r) => assert.strictEqual(r.status, 202, JSON.stringify(r.body)))
        )
      yield* send(INSTANCE_A, {
        degradation: { media_failures: 2, attachments_skipped: { too_large: 1 }, rate_limited: 1, rate_limit_wait_s: 10 },
        last_submission_at: "2026-11-22T23:58:00Z"
      })
      yield* send(INSTANCE_A, {
        degradation: { media_failures: 3, attachments_skipped: { too_large: 1, download_failed: 2 }, rate_limited: 1, rate_limit_wait_s: 10 }
      })
      // a restart: the new instance's counts are all new
      yield* send(INSTANCE_B, { degradation: { media_failures: 1, dead_lettered: 4, checkpoint_corrupt: 1 } })
      // omitted by the same instance: nothing moves, the stored object stays
      yield* send(INSTANCE_B, {})
      // a count that went down within one instance was reset: it contributes its new value
      yield* send(INSTANCE_B, { degradation: { media_failures: 0, dead_lettered: 4, checkpoint_corrupt: 1 } })
      yield* send(INSTANCE_B, {
        degradation: { media_failures: 2, dead_lettered: 5, checkpoint_corrupt: 1 },
        last_submission_at: "2026-11-22T23:58:30Z"
      })
      const row = yield* stored("deg-1")
      assert.deepStrictEqual(row?.degradation, { media_failures: 2, dead_lettered: 5, checkpoint_corrupt: 1 })
      assert.strictEqual(row?.last_submission_at?.toISOString(), "2026-11-22T23:58:30.000Z")

      const detail = yield* getAs(ConnectorDetailResponse, detailUrl(hub, "deg-1"), hub.token)
      assert.deepStrictEqual(detail.data.degradation_totals, {
        media_failures: 3 + 1 + 0 + 2,
        attachments_skipped: { too_large: 1, download_failed: 2 },
        rate_limited: 1,
        rate_limit_wait_s: 10,
        cursor_resets: 0,
        gap_fills: 0,
        oauth_refresh_failures: 0,
        dead_lettered: 5,
        checkpoint_save_failures: 0,
        checkpoint_corrupt: 1
      })
      assert.strictEqual(detail.data.degradation?.dead_lettered, 5)
      assert.strictEqual(detail.data.degradation?.rate_limited, 0, "the current instance reported none")
      assert.strictEqual(detail.data.last_submission_at, "2026-11-22T23:58:30.000Z")
      assert.strictEqual(detail.data.degradations_total, 6 + 3 + 1 + 5 + 1)

      const list = yield* getAs(ConnectorListResponse, `${hub.url}/api/connectors?limit=500`, hub.token)
      const card = list.data.find((c) => c.endpoint_identity === "deg-1")
      assert.strictEqual(card?.last_submission_at, "2026-11-22T23:58:30.000Z")
      assert.strictEqual(card?.degradations_total, 16)

      const text = yield* metricsText(hub)
      assert.include(text, "# TYPE switchboard_connector_degradations_total counter\n")
      assert.include(text, `${series("deg-1", "media_failures")} 6\n`)
      assert.include(text, `${series("deg-1", "dead_lettered")} 5\n`)
      assert.include(text, `${series("deg-1", "oauth_refresh_failures")} 0\n`)
      assert.include(text, `${series("deg-1", "attachments_skipped", "download_failed")} 2\n`)
      assert.include(text, "switchboard_connector_rate_limit_wait_seconds_total{connector_type=\"sandbox\",endpoint_identity=\"deg-1\"} 10\n")
      assert.include(
        text,
        `switchboard_connector_last_submission_timestamp_seconds{connector_type="sandbox",endpoint_identity="deg-1"} ${
          Date.parse("2026-11-22T23:58:30Z") / 1000
        }\n`
      )
      assert.notInclude(text, series("deg-1", "rate_limit_wait_s"), "seconds waited are their own family")
    }))

  it.effect("unknown keys inside degradation are ignored; a bad value is a 400 naming its path and stores nothing", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const url = `${hub.url}/api/connectors/heartbeat`
      const ok = yield* postJson(url, hub.token, heartbeat("deg-new", INSTANCE_A, {
        degradation: { media_failures: 1, from_the_future: { x: 1 } }
      }))
      assert.strictEqual(ok.status, 202, JSON.stringify(ok.body))
      assert.deepStrictEqual((yield* stored("deg-new"))?.degradation, { media_failures: 1 })
      for (const [extra, path] of [
        [{ degradation: { media_failures: -1 } }, "degradation.media_failures"],
        [{ degradation: { dead_lettered: 1.5 } }, "degradation.dead_lettered"],
        [{ degradation: { attachments_skipped: { "Too Large": 1 } } }, "degradation.attachments_skipped"],
        [{ degradation: { attachments_skipped: { too_large: "1" } } }, "degradation.attachments_skipped"],
        [{ degradation: { attachments_skipped: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`r${i}`, 1])) } }, "at most 32"],
        [{ degradation: [1] }, "degradation"],
        [{ last_submission_at: "yesterday" }, "last_submission_at"]
      ] as const) {
        const res = yield* postJson(url, hub.token, heartbeat("deg-bad", INSTANCE_A, extra))
        assert.strictEqual(res.status, 400, JSON.stringify(res.body))
        assert.include(JSON.stringify(res.body), path)
      }
      assert.isUndefined(yield* stored("deg-bad"))
    }))

  it.effect("an endpoint identity of any text is escaped in /metrics", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const identity = "we\"ird\\id\nline } {x=\"y\"}"
      const res = yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, heartbeat(identity, INSTANCE_A, {
        degradation: { gap_fills: 2 }
      }))
      assert.strictEqual(res.status, 202, JSON.stringify(res.body))
      const text = yield* metricsText(hub)
      const escaped = "we\\\"ird\\\\id\\nline } {x=\\\"y\\\"}"
      assert.include(text, `${series(escaped, "gap_fills")} 2\n`)
    }))
})
