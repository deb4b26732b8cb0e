/**
 * The tracing layer against a local OTLP/HTTP receiver: nothing at all without an endpoint, the last batch
 * flushed when the process stops, protobuf by default, a collector that is down or hangs never holds up the
 * traced work (failures counted, each reason logged once, exports beyond two in flight dropped at once), bad
 * settings fail `serve` and `connector` with one line, and a connector stamps its submissions only when it exports.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Logger, Metric, Option } from "effect"
import * as Net from "node:net"
import * as OtlpTracing from "../../layers/Tracing/OtlpTracing.js"
import type { IngestEnvelopeInput } from "../../src/domain/Envelope.js"
import { exportOutcome } from "../../src/tracing/Metrics.js"
import * as TraceContext from "../../src/tracing/TraceContext.js"
import * as Wait from "../delivery/support/Wait.js"
import * as CliInProcess from "../support/CliInProcess.js"
import * as Fixtures from "../support/Fixtures.js"
import * as Collector from "./support/Collector.js"

const tracing = OtlpTracing.layer({ serviceName: "switchboard-test" })

/** Runs `effect` under the tracing layer the variables configure; the layer (and its exporter) stops after it. */
const traced = <A, E>(vars: Record<string, string>, effect: Effect.Effect<A, E>) =>
  effect.pipe(Effect.provide(tracing), Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(vars)))))

const probe = Effect.withSpan(Effect.currentSpan, "probe")

const count = (outcome: "ok" | "failed" | "dropped") => Effect.map(Metric.value(exportOutcome(outcome)), (s) => s.count)

/** A port nothing listens on. */
const closedPort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

describe("the tracing layer", () => {
  it.scoped("without an endpoint the tracer is disabled and nothing is sent; with one the last spans are flushed at the end", () =>
    Effect.gen(function*() {
      const collector = yield* Collector.make()
      const off = yield* traced({}, probe)
      assert.strictEqual(off.traceId, "noop")
      assert.strictEqual(collector.exports().length, 0)
      // a long schedule delay: only the flush when the layer stops can send it
      const on = yield* traced({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_BSP_SCHEDULE_DELAY: "600000" }, probe)
      assert.match(on.traceId, /^[0-9a-f]{32}$/)
      assert.strictEqual(collector.exports().length, 1)
      assert.deepStrictEqual(collector.spans().map((s) => [s.name, s.traceId, s.service]), [["probe", on.traceId, "switchboard-test"]])
    }))

  it.scoped("OTLP/HTTP protobuf is the default encoding", () =>
    Effect.gen(function*() {
      const collector = yield* Collector.make()
      const span = yield* traced({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }, probe)
      const [only] = collector.exports()
      assert.strictEqual(only?.headers["content-type"], "application/x-protobuf")
      assert.isTrue(only?.body.includes(Buffer.from(span.traceId, "hex")))
      assert.isTrue(only?.body.includes(Buffer.from("switchboard-test")))
    }))

  it.live("a collector that is down: the traced work completes, every failed export is counted, the reason logged once", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const lines: Array<string> = []
      const logger = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => {
        lines.push(String(message))
      }))
      const before = yield* count("failed")
      yield* traced(
        { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: "20" },
        Effect.gen(function*() {
          yield* Effect.forEach(Array.from({ length: 20 }, (_, i) => i), (i) => Effect.withSpan(Effect.succeed(i), "work"), { discard: true })
          // the exporter tries once and retries three times, then pauses for a minute
          yield* Wait.untilTrue("four failed exports", Effect.map(count("failed"), (n) => n >= before + 4))
        })
      ).pipe(Effect.provide(logger))
      const warnings = lines.filter((l) => l.startsWith("tracing: span export"))
      assert.deepStrictEqual(warnings, [
        `tracing: span export to http://127.0.0.1:${port}/v1/traces failed (ECONNREFUSED); spans are dropped until it works again, this reason is logged once`
      ])
    }), 30_000)

  it.scopedLive("a collector that never answers: beyond two exports in flight a batch is dropped at once", () =>
    Effect.gen(function*() {
      const collector = yield* Collector.make("hold")
      const before = yield* count("dropped")
      const seen = (n: number) => Wait.untilTrue(`${n} export requests`, Effect.sync(() => collector.exports().length >= n))
      yield* traced(
        { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1", OTEL_BSP_SCHEDULE_DELAY: "600000" },
        Effect.gen(function*() {
          yield* Effect.withSpan(Effect.void, "first")
          yield* seen(1)
          yield* Effect.withSpan(Effect.void, "second")
          yield* seen(2)
          yield* Effect.withSpan(Effect.void, "third")
          yield* Wait.untilTrue("a dropped export", Effect.map(count("dropped"), (n) => n > before))
        })
      )
      assert.strictEqual(collector.exports().length, 2)
    }))
})

describe("bad tracing settings at start", () => {
  it.effect("`serve` and `connector` fail with one line naming the variable", () =>
    Effect.gen(function*() {
      const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "otel-collector:4318" }
      const line = "switchboard: TracingConfigInvalid: OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (got otel-collector:)"
      for (const args of [["serve"], ["connector", "sandbox"]]) {
        const answer = yield* CliInProcess.run(args, env).pipe(Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => "started anyway" }))
        assert.notStrictEqual(answer.exitCode, 0)
        assert.strictEqual(answer.stderr, line)
      }
    }))
})

describe("connector submissions", () => {
  const envelope: IngestEnvelopeInput = Fixtures.sample("stamp-1")
  const submit = Effect.withSpan(Effect.zip(Effect.currentSpan, TraceContext.stamp(envelope)), "SwitchboardClient.ingest")

  it.scoped("carry the submitting span as control.trace_context only when the process exports spans", () =>
    Effect.gen(function*() {
      // Effect's native tracer (no tracing layer at all) makes spans nobody sees: nothing is stamped
      const [, native] = yield* submit
      assert.strictEqual(native, envelope)
      const collector = yield* Collector.make()
      const [span, stamped] = yield* traced({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }, submit)
      assert.deepStrictEqual(stamped.control, { trace_context: { traceparent: `00-${span.traceId}-${span.spanId}-01` } })
      const [, off] = yield* traced({}, submit)
      assert.strictEqual(off, envelope)
      const own = { ...envelope, control: { trace_context: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } } }
      const kept = yield* traced({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }, TraceContext.stamp(own).pipe(Effect.withSpan("x")))
      assert.strictEqual(kept, own)
      assert.isTrue(Option.isSome(Option.fromNullable(collector.exports()[0])))
    }))
})
