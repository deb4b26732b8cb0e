/**
 * The hub's /metrics text, as Prometheus reads it: a real hub (real socket, real database, a delivery
 * worker) after ingest, heartbeat and delivery traffic passes `promtool check metrics` with no error and no
 * lint problem, and hostile label values (quotes, backslashes, newlines, unicode in an endpoint identity sent
 * in a heartbeat; the same in Effect metric tags) still parse. This is the test the decision to keep the
 * hand-written encoder (src/metrics/Prometheus.ts) rests on.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer, Metric, MetricBoundaries, Option } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import { CONTENT_TYPE } from "../../src/metrics/Route.js"
import * as Prometheus from "../../src/metrics/Prometheus.js"
import * as Receiver from "../delivery/support/Receiver.js"
import * as S from "../delivery/support/Scenario.js"
import { fastDelivery } from "../delivery/support/TestOptions.js"
import * as Wait from "../delivery/support/Wait.js"
import { sample } from "../support/Fixtures.js"
import { postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import * as Promtool from "./support/Promtool.js"

const Hub = DeliveryWorker.layerWith(fastDelivery).pipe(Layer.provideMerge(TestHub.layer))

/** Every character the text format must escape or carry as is: quote, backslash, line feed, tab, non-ASCII. */
const HOSTILE = "q\"uote \\back\\slash\\n not-a-newline\nreal newline\ttab ünïcødé 🚀 {a=\"b\"} # x"
const ESCAPED = "q\\\"uote \\\\back\\\\slash\\\\n not-a-newline\\nreal newline\ttab ünïcødé 🚀 {a=\\\"b\\\"} # x"

const heartbeat = (endpoint: string, instance: string, now: Date) => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: "sandbox", endpoint_identity: endpoint, instance_id: instance },
  status: { state: "degraded", uptime_s: 60 },
  counters: { messages_ingested: 3, messages_failed: 0, source_api_calls: 4, checkpoint_saves: 2, dedupe_accepted: 3 },
  checkpoint: { cursor: "{\"offset\":3}", updated_at: new Date(now.getTime() - 30_000).toISOString() },
  degradation: {
    media_failures: 1,
    attachments_skipped: { too_large: 2, unsupported: 1 },
    rate_limited: 3,
    rate_limit_wait_s: 12,
    oauth_refresh_failures: 0,
    checkpoint_corrupt: 1
  },
  last_submission_at: new Date(now.getTime() - 10_000).toISOString(),
  sent_at: now.toISOString()
})

const scrape = Effect.gen(function*() {
  const hub = yield* TestHub.TestHub
  const res = yield* request(`${hub.url}/metrics`)
  assert.strictEqual(res.status, 200)
  assert.strictEqual(res.headers.get("content-type"), CONTENT_TYPE)
  return String(res.body)
})

/** promtool's verdict: exit 0 and nothing printed (no parse error, no lint problem). */
const assertClean = (text: string) =>
  Effect.gen(function*() {
    const check = yield* Promtool.checkMetrics(text)
    assert.strictEqual(check.code, 0, check.output)
    assert.strictEqual(check.output.trim(), "", "promtool check metrics reports no lint problem")
  })

const typeOf = (text: string, family: string) => new RegExp(`^# TYPE ${family} (\\w+)$`, "m").exec(text)?.[1]

layer(Hub, { excludeTestServices: true, timeout: 120_000 })("GET /metrics read by promtool", (it) => {
  it.scoped("after ingest, heartbeat and delivery traffic the scrape passes promtool check metrics without lint problems", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const receiver = yield* Receiver.make()
      yield* S.addTarget("h3-format", receiver.url)
      yield* S.addRoute({ endpoint_identity: "h3-format", target: "h3-format" })
      yield* S.refresh
      yield* postJson(`${hub.url}/api/ingest`, hub.token, sample("f-1"))
      yield* postJson(`${hub.url}/api/ingest`, hub.token, sample("f-1"))
      yield* postJson(`${hub.url}/api/ingest`, hub.token, { ...sample("f-2"), extra: true })
      const delivered = yield* S.ingest(S.envelope("f-3", { endpoint: "h3-format" }))
      yield* S.waitForState(delivered, "delivered")
      const answer = yield* postJson(
        `${hub.url}/api/connectors/heartbeat`,
        hub.token,
        heartbeat("h3-format-bot", "0190f5a4-3333-7000-8000-000000000001", new Date())
      )
      assert.strictEqual(answer.status, 202, JSON.stringify(answer.body))
      const text = yield* Wait.until(
        "the depth sampler's gauges for h3-format",
        Effect.map(scrape, (t) => (t.includes("switchboard_delivery_oldest_pending_age_seconds{target=\"h3-format\"} ") ? Option.some(t) : Option.none()))
      )
      yield* assertClean(text)
      for (
        const [family, type] of [
          ["switchboard_ingest_results_total", "counter"],
          ["switchboard_ingest_latency_seconds", "histogram"],
          ["switchboard_connectors", "gauge"],
          ["switchboard_delivery_outbox_depth", "gauge"],
          ["switchboard_delivery_oldest_pending_age_seconds", "gauge"],
          ["switchboard_deliveries_total", "counter"],
          ["switchboard_connector_degradations_total", "counter"],
          ["switchboard_connector_rate_limit_wait_seconds_total", "counter"],
          ["switchboard_connector_last_heartbeat_timestamp_seconds", "gauge"],
          ["switchboard_connector_checkpoint_updated_timestamp_seconds", "gauge"],
          ["switchboard_connector_last_submission_timestamp_seconds", "gauge"]
        ] as const
      ) assert.strictEqual(typeOf(text, family), type, family)
      assert.include(
        text,
        "switchboard_connector_degradations_total{connector_type=\"sandbox\",endpoint_identity=\"h3-format-bot\",kind=\"attachments_skipped\",reason=\"too_large\"} 2\n"
      )
      assert.include(
        text,
        "switchboard_connector_rate_limit_wait_seconds_total{connector_type=\"sandbox\",endpoint_identity=\"h3-format-bot\"} 12\n"
      )
      assert.strictEqual(new Set(text.split("\n").filter((l) => l.startsWith("# TYPE "))).size, text.split("\n").filter((l) => l.startsWith("# TYPE ")).length, "each family once")
    }))

  it.effect("an endpoint identity with quotes, backslashes, newlines and unicode is escaped and still parses", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const answer = yield* postJson(
        `${hub.url}/api/connectors/heartbeat`,
        hub.token,
        heartbeat(HOSTILE, "0190f5a4-3333-7000-8000-000000000002", new Date())
      )
      assert.strictEqual(answer.status, 202, JSON.stringify(answer.body))
      const text = yield* scrape
      yield* assertClean(text)
      const line = text.split("\n").find((l) =>
        l.startsWith(`switchboard_connector_last_heartbeat_timestamp_seconds{connector_type="sandbox",endpoint_identity="${ESCAPED}"} `)
      )
      assert.isDefined(line, "the hostile identity's heartbeat sample, escaped")
      assert.notInclude(text, "real newline\ttab ünïcødé 🚀 {a=\"b\"}", "no raw quote or line feed inside a label value")
    }))
})

describe("Prometheus.render with hostile tags", () => {
  it.effect("tag values and keys of any text, NaN and infinite values render as text promtool accepts", () =>
    Effect.gen(function*() {
      const counter = Metric.counter("h3_format_hostile_total", { description: "Hostile \\ help\nline two", incremental: true })
      yield* Metric.increment(Metric.tagged(Metric.tagged(counter, "value", HOSTILE), "bad-key.name", "x"))
      yield* Metric.set(Metric.tagged(Metric.gauge("h3_format_nan"), "k", "\u2028\u0085 separators"), Number.NaN)
      yield* Metric.set(Metric.gauge("h3_format_inf"), Number.POSITIVE_INFINITY)
      const h = Metric.histogram("h3_format_seconds", MetricBoundaries.fromIterable([0.5, 1]), "Hostile histogram")
      yield* Metric.update(Metric.tagged(h, "route", HOSTILE), 0.7)
      const { skipped, text } = Prometheus.render(yield* Metric.snapshot)
      assert.deepStrictEqual(skipped, [])
      yield* assertClean(text)
      assert.include(text, `h3_format_hostile_total{value="${ESCAPED}",bad_key_name="x"} 1\n`)
      assert.include(text, "# HELP h3_format_hostile_total Hostile \\\\ help\\nline two\n")
      assert.include(text, `h3_format_seconds_bucket{route="${ESCAPED}",le="1"} 1\n`)
      assert.include(text, "h3_format_inf +Inf\n")
      assert.match(text, /h3_format_nan\{k="\u2028\u0085 separators"\} NaN\n/)
    }))
})
