/**
 * connector_type is chosen by clients and becomes a metric label: 1,000 invented types through the real
 * heartbeat route must leave /metrics with a bounded set of label values, the folding counted.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as ConnectorSeries from "../../src/metrics/ConnectorSeries.js"
import * as LabelBudget from "../../src/metrics/LabelBudget.js"
import { postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import * as FrozenClock from "./support/FrozenClock.js"

const NOW = Date.parse("2026-11-20T10:00:00Z")
const Hub = TestHub.layer.pipe(Layer.provide(FrozenClock.make(NOW).layer))
const INVENTED = 1000

const heartbeat = (type: string, n: number) => ({
  schema_version: "connector.heartbeat.v1",
  connector: {
    connector_type: type,
    endpoint_identity: `endpoint-${n}`,
    instance_id: `0190f5a4-0000-7000-8000-${n.toString(16).padStart(12, "0")}`
  },
  status: { state: "healthy", uptime_s: 1 },
  counters: { messages_ingested: 1, messages_failed: 0, source_api_calls: 1, checkpoint_saves: 0, dedupe_accepted: 0 },
  sent_at: "2026-11-20T10:00:00Z"
})

/** `name{…label="value"…} n` lines of one metric: value → n. */
const samples = (text: string, name: string, label: string) =>
  new Map(
    text.split("\n").filter((l) => l.startsWith(`${name}{`)).map((line) => {
      const value = new RegExp(`${label}="((?:[^"\\\\]|\\\\.)*)"`).exec(line)?.[1] ?? "(none)"
      return [value, Number(line.slice(line.lastIndexOf(" ") + 1))] as const
    })
  )

layer(Hub, { excludeTestServices: true, timeout: 120_000 })("metric label cardinality", (it) => {
  it.effect("1,000 invented connector types: known types keep their label, 32 others get one, the rest count as \"other\"", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const url = `${hub.url}/api/connectors/heartbeat`
      const sent = yield* Effect.forEach(
        Array.from({ length: INVENTED }, (_, i) => i),
        (i) => postJson(url, hub.token, heartbeat(`invented-${String(i).padStart(4, "0")}`, i)),
        { concurrency: 8 }
      )
      assert.deepStrictEqual([...new Set(sent.map((r) => r.status))], [202])
      assert.strictEqual((yield* postJson(url, hub.token, heartbeat("telegram", INVENTED))).status, 202)
      assert.strictEqual((yield* postJson(url, hub.token, heartbeat("sandbox", INVENTED + 1))).status, 202)

      const res = yield* request(`${hub.url}/metrics`)
      assert.strictEqual(res.status, 200)
      const text = String(res.body)
      const received = samples(text, "switchboard_heartbeats_received_total", "connector_type")
      const labels = [...received.keys()]
      assert.isAtMost(labels.length, LabelBudget.knownConnectorTypes.size + LabelBudget.MAX_OTHER_CONNECTOR_TYPES + 1)
      assert.strictEqual(labels.filter((l) => l.startsWith("invented-")).length, LabelBudget.MAX_OTHER_CONNECTOR_TYPES)
      assert.strictEqual(received.get("telegram"), 1)
      assert.strictEqual(received.get("sandbox"), 1)
      assert.strictEqual(received.get(LabelBudget.OTHER), INVENTED - LabelBudget.MAX_OTHER_CONNECTOR_TYPES)
      assert.strictEqual([...received.values()].reduce((a, b) => a + b, 0), INVENTED + 2, "every heartbeat is counted once")
      const folded = samples(text, "switchboard_metric_label_values_folded_total", "label")
      assert.deepStrictEqual([...folded], [
        ["connector_type", INVENTED - LabelBudget.MAX_OTHER_CONNECTOR_TYPES],
        ["endpoint_identity", INVENTED + 2 - ConnectorSeries.MAX_CONNECTORS]
      ])
      // the per-connector series carry each connector's own type, for at most MAX_CONNECTORS connectors
      const perConnector = (l: string) => l.startsWith("switchboard_connector_last_heartbeat_timestamp_seconds{")
      const heard = text.split("\n").filter(perConnector)
      assert.strictEqual(heard.length, ConnectorSeries.MAX_CONNECTORS)
      const invented = text.split("\n").filter((l) => l.includes("invented-") && !perConnector(l))
      assert.strictEqual(invented.length, LabelBudget.MAX_OTHER_CONNECTOR_TYPES, "no other metric carries an invented type")
    }))
})
