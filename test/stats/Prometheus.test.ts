import { assert, describe, it } from "@effect/vitest"
import { Effect, Metric, MetricBoundaries } from "effect"
import * as Prometheus from "../../src/metrics/Prometheus.js"
import { promtool } from "./support/Promtool.js"

describe("Prometheus text rendering", () => {
  it.effect("renders counters (with _total), gauges, histograms with +Inf, summaries and frequencies that promtool accepts", () =>
    Effect.gen(function*() {
      const counter = Metric.counter("test_requests", { description: "Requests\nby \"route\"" })
      yield* Metric.increment(Metric.tagged(counter, "route", "a\"b\\c"))
      yield* Metric.set(Metric.gauge("test_queue_depth", { description: "Queue depth" }), 7)
      const h = Metric.histogram("test_latency_seconds", MetricBoundaries.fromIterable([0.1, 1]), "Latency")
      yield* Effect.forEach([0.05, 0.5, 3], (v) => Metric.update(h, v))
      const s = Metric.summary({ name: "test_size_bytes", maxAge: "1 minute", maxSize: 10, error: 0.01, quantiles: [0.5, 0.9], description: "Size" })
      yield* Metric.update(s, 10)
      yield* Metric.update(Metric.frequency("test_kinds", { description: "Kinds seen" }), "x")
      const { skipped, text } = Prometheus.render(yield* Metric.snapshot)
      assert.deepStrictEqual(skipped, [])
      assert.include(text, "# TYPE test_requests_total counter\n")
      assert.include(text, "# HELP test_requests_total Requests\\nby \"route\"\n")
      assert.include(text, "test_requests_total{route=\"a\\\"b\\\\c\"} 1\n")
      assert.include(text, "test_queue_depth 7\n")
      assert.include(text, "test_latency_seconds_bucket{le=\"0.1\"} 1\n")
      assert.include(text, "test_latency_seconds_bucket{le=\"1\"} 2\n")
      assert.include(text, "test_latency_seconds_bucket{le=\"+Inf\"} 3\n")
      assert.include(text, "test_latency_seconds_count 3\n")
      assert.include(text, "test_size_bytes{quantile=\"0.5\"} 10\n")
      assert.include(text, "test_kinds_total{key=\"x\"} 1\n")
      const check = yield* promtool(text)
      assert.strictEqual(check.code, 0, check.output)
    }))

  it.effect("a name used by two metric types is rendered once and reported", () =>
    Effect.gen(function*() {
      yield* Metric.set(Metric.gauge("test_clash_total"), 1)
      yield* Metric.increment(Metric.counter("test_clash"))
      const { skipped, text } = Prometheus.render(yield* Metric.snapshot)
      assert.deepStrictEqual(skipped, ["test_clash"])
      assert.strictEqual(text.split("\n").filter((l) => l.startsWith("# TYPE test_clash_total")).length, 1)
    }))
})
