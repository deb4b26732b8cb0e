/**
 * The per-connector series of /metrics: promtool accepts them whatever the endpoint identity, counters are
 * typed counter, absent timestamps are absent samples; a real hub exports at most 1,000 connectors, the most
 * recently heard, and counts the rest as folded.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as ConnectorSeries from "../../src/metrics/ConnectorSeries.js"
import { request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import { promtool } from "./support/Promtool.js"

const row = (identity: string, extra: Partial<ConnectorSeries.ConnectorRow> = {}): ConnectorSeries.ConnectorRow => ({
  connector_type: "telegram",
  endpoint_identity: identity,
  last_heartbeat_ms: Date.parse("2026-11-22T10:00:00Z"),
  checkpoint_updated_ms: null,
  last_submission_ms: null,
  degradation_totals: null,
  ...extra
})

describe("per-connector series", () => {
  it.effect("render as counters and gauges promtool accepts, any identity escaped, zeros for every kind", () =>
    Effect.gen(function*() {
      const text = ConnectorSeries.render([
        row("plain_bot", {
          checkpoint_updated_ms: Date.parse("2026-11-22T09:59:00.500Z"),
          last_submission_ms: Date.parse("2026-11-22T09:59:30Z"),
          degradation_totals: { media_failures: 3, attachments_skipped: { too_large: 2 }, rate_limit_wait_s: 41, bogus: "x" }
        }),
        row("quote\" back\\slash \n newline ünïcode 🚀", { degradation_totals: {} }),
        row("never-reported")
      ])
      assert.include(text, "# TYPE switchboard_connector_degradations_total counter\n")
      assert.include(text, "# TYPE switchboard_connector_rate_limit_wait_seconds_total counter\n")
      assert.include(text, "# TYPE switchboard_connector_last_heartbeat_timestamp_seconds gauge\n")
      assert.include(
        text,
        "switchboard_connector_degradations_total{connector_type=\"telegram\",endpoint_identity=\"plain_bot\",kind=\"media_failures\",reason=\"none\"} 3\n"
      )
      assert.include(
        text,
        "switchboard_connector_degradations_total{connector_type=\"telegram\",endpoint_identity=\"plain_bot\",kind=\"checkpoint_corrupt\",reason=\"none\"} 0\n"
      )
      assert.include(
        text,
        "{connector_type=\"telegram\",endpoint_identity=\"plain_bot\",kind=\"attachments_skipped\",reason=\"too_large\"} 2\n"
      )
      assert.include(text, "switchboard_connector_rate_limit_wait_seconds_total{connector_type=\"telegram\",endpoint_identity=\"plain_bot\"} 41\n")
      assert.include(text, "switchboard_connector_checkpoint_updated_timestamp_seconds{connector_type=\"telegram\",endpoint_identity=\"plain_bot\"} 1795341540.5\n")
      assert.include(text, "endpoint_identity=\"quote\\\" back\\\\slash \\n newline ünïcode 🚀\",kind=\"gap_fills\"")
      assert.notInclude(text, "endpoint_identity=\"never-reported\",kind=", "no degradation series before a connector reports one")
      assert.include(text, "switchboard_connector_last_heartbeat_timestamp_seconds{connector_type=\"telegram\",endpoint_identity=\"never-reported\"}")
      assert.strictEqual(text.split("\n").filter((l) => l.startsWith("switchboard_connector_last_submission_timestamp_seconds{")).length, 1)
      const check = yield* promtool(text)
      assert.strictEqual(check.code, 0, check.output)
      assert.strictEqual(ConnectorSeries.render([]), "")
    }))
})

const EXTRA = 5

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("per-connector series on /metrics", (it) => {
  it.effect("at most 1,000 connectors, the most recently heard; the rest are counted as folded", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const sql = yield* SqlClient.SqlClient
      const total = ConnectorSeries.MAX_CONNECTORS + EXTRA
      // connector i was last heard i seconds after the base: the EXTRA oldest fall out
      yield* sql`
        INSERT INTO connector_registry (connector_type, endpoint_identity, first_seen_at, last_heartbeat_at, degradation_totals)
        SELECT 'sandbox', 'many-' || lpad(i::text, 4, '0'), now(), timestamptz '2026-11-22T00:00:00Z' + i * interval '1 second',
          jsonb_build_object('dead_lettered', i)
        FROM generate_series(0, ${total - 1}) AS i`
      const text = String((yield* request(`${hub.url}/metrics`)).body)
      const heard = text.split("\n").filter((l) => l.startsWith("switchboard_connector_last_heartbeat_timestamp_seconds{"))
      assert.strictEqual(heard.length, ConnectorSeries.MAX_CONNECTORS)
      assert.isFalse(heard.some((l) => l.includes("\"many-0004\"")), "the oldest are left out")
      assert.isTrue(heard.some((l) => l.includes("\"many-0005\"")))
      assert.include(
        text,
        `switchboard_connector_degradations_total{connector_type="sandbox",endpoint_identity="many-${total - 1}",kind="dead_lettered",reason="none"} ${total - 1}\n`
      )
      const folded = /switchboard_metric_label_values_folded_total\{label="endpoint_identity"\} (\d+)/.exec(text)
      assert.strictEqual(Number(folded?.[1]), EXTRA)
    }))
})
