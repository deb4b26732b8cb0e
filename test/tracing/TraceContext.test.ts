/**
 * W3C Trace Context as envelopes carry it, read strictly; what a delivery sends on; which spans the sampler
 * keeps; and the tracing settings read from the standard OpenTelemetry variables.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Option, Redacted, Tracer } from "effect"
import { traceHeaders } from "../../layers/Delivery/WebhookPoster.js"
import * as Sampler from "../../layers/Tracing/Sampler.js"
import * as TraceContext from "../../src/tracing/TraceContext.js"
import * as TracingConfig from "../../src/tracing/TracingConfig.js"

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
const SPAN = "00f067aa0ba902b7"

const tagOf = (traceparent: unknown) => TraceContext.read({ traceparent })._tag

describe("reading control.trace_context", () => {
  it("a version 00 traceparent is the parent, sampled by its flags, with its tracestate's valid members", () => {
    const read = TraceContext.read({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "rojo=00f067aa0ba902b7,bad key=1,congo=t61rcWkgMzE" })
    assert.deepStrictEqual(read, {
      _tag: "Valid",
      parent: { traceId: TRACE, spanId: SPAN, sampled: true, tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE" }
    })
    const unsampled = TraceContext.read({ traceparent: `00-${TRACE}-${SPAN}-00` })
    assert.isTrue(unsampled._tag === "Valid" && !unsampled.parent.sampled && unsampled.parent.tracestate === undefined)
  })

  it("a malformed traceparent is Invalid: case, zero ids, version ff, extra fields on version 00, wrong type or length", () => {
    for (
      const bad of [
        `00-${TRACE.toUpperCase()}-${SPAN}-01`,
        `00-${"0".repeat(32)}-${SPAN}-01`,
        `00-${TRACE}-${"0".repeat(16)}-01`,
        `ff-${TRACE}-${SPAN}-01`,
        `00-${TRACE}-${SPAN}-01-extra`,
        `00-${TRACE.slice(1)}-${SPAN}-01`,
        `00_${TRACE}_${SPAN}_01`,
        "",
        42,
        null,
        { traceId: TRACE },
        `00-${TRACE}-${SPAN}-01${" ".repeat(300)}`
      ]
    ) assert.strictEqual(tagOf(bad), "Invalid", JSON.stringify(bad))
  })

  it("a later version may carry more fields (W3C versioning); no traceparent at all is Absent, not Invalid", () => {
    assert.strictEqual(tagOf(`01-${TRACE}-${SPAN}-01-future`), "Valid")
    assert.strictEqual(TraceContext.read({ vendor: "x" })._tag, "Absent")
    assert.strictEqual(TraceContext.read(null)._tag, "Absent")
    assert.strictEqual(TraceContext.ofEnvelope({ control: { policy_tier: "default" } })._tag, "Absent")
    assert.strictEqual(TraceContext.ofEnvelope({ control: { trace_context: { traceparent: "nope" } } })._tag, "Invalid")
    assert.strictEqual(TraceContext.ofEnvelope("not an envelope")._tag, "Absent")
  })
})

describe("the trace headers of a delivery", () => {
  const stored: TraceContext.TraceParent = { traceId: TRACE, spanId: SPAN, sampled: true, tracestate: "vendor=abc" }
  const span = Tracer.externalSpan({ traceId: TRACE, spanId: "b7ad6b7169203331", sampled: true })

  it("name the attempt's span when the hub exports it, keeping the sender's tracestate", () => {
    const own = { ...span, _tag: "Span" } as unknown as Tracer.Span
    assert.deepStrictEqual(traceHeaders(Option.some(own), stored), { traceparent: `00-${TRACE}-b7ad6b7169203331-01`, tracestate: "vendor=abc" })
  })

  it("pass the stored context on unchanged when the hub does not export, and are absent without one", () => {
    assert.deepStrictEqual(traceHeaders(Option.none(), stored), { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "vendor=abc" })
    assert.deepStrictEqual(traceHeaders(Option.none(), { ...stored, tracestate: undefined }), { traceparent: `00-${TRACE}-${SPAN}-01` })
    assert.deepStrictEqual(traceHeaders(Option.none(), undefined), {})
  })
})

describe("the sampler", () => {
  const parent = (sampled: boolean) => Option.some(Tracer.externalSpan({ traceId: TRACE, spanId: SPAN, sampled }))

  it("drops database queries outside any operation and everything under an unsampled parent", () => {
    assert.isFalse(Sampler.keeps("sql.execute", Option.none()))
    assert.isTrue(Sampler.keeps("DeliveryWorker.claim", Option.none()))
    assert.isTrue(Sampler.keeps("sql.execute", parent(true)))
    assert.isFalse(Sampler.keeps("Ingest.accept", parent(false)))
  })

  it("ignores a parent without W3C ids (a client whose tracer is off sends \"noop\"; 64-bit b3 ids)", () => {
    const noop = Option.some(Tracer.externalSpan({ traceId: "noop", spanId: "noop", sampled: false }))
    assert.isTrue(Option.isNone(Sampler.usableParent(noop)))
    assert.isTrue(Option.isNone(Sampler.usableParent(Option.some(Tracer.externalSpan({ traceId: "a3ce929d0e0e4736", spanId: SPAN })))))
    assert.isTrue(Option.isSome(Sampler.usableParent(parent(false))))
    assert.isTrue(Sampler.keeps("RpcServer.Ingest", Sampler.usableParent(noop)))
  })
})

const settings = (vars: Record<string, string>, serviceName = "switchboard-hub") =>
  TracingConfig.fromEnv(serviceName).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(vars)))))

describe("tracing settings", () => {
  it.effect("nothing is exported without an endpoint, or with OTEL_SDK_DISABLED=true", () =>
    Effect.gen(function*() {
      assert.isTrue(Option.isNone(yield* settings({})))
      assert.isTrue(Option.isNone(yield* settings({ OTEL_EXPORTER_OTLP_ENDPOINT: " " })))
      assert.isTrue(Option.isNone(yield* settings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "TRUE" })))
    }))

  it.effect("the base endpoint gets v1/traces appended; the traces endpoint is used as is and wins", () =>
    Effect.gen(function*() {
      const url = (vars: Record<string, string>) => Effect.map(settings(vars), Option.map((s) => s.url))
      assert.deepStrictEqual(yield* url({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }), Option.some("http://c:4318/v1/traces"))
      assert.deepStrictEqual(yield* url({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c/otlp/" }), Option.some("https://c/otlp/v1/traces"))
      assert.deepStrictEqual(
        yield* url({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t:4318/custom" }),
        Option.some("http://t:4318/custom")
      )
    }))

  it.effect("defaults follow the specification; service name, protocol, batching and headers are read", () =>
    Effect.gen(function*() {
      const plain = Option.getOrThrow(yield* settings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, "switchboard-connector-gmail"))
      assert.strictEqual(plain.serviceName, "switchboard-connector-gmail")
      assert.strictEqual(plain.protocol, "http/protobuf")
      assert.strictEqual(plain.maxBatchSize, 512)
      assert.deepStrictEqual(Redacted.value(plain.headers), {})
      const set = Option.getOrThrow(yield* settings({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
        OTEL_SERVICE_NAME: "hub-eu-1",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_BSP_SCHEDULE_DELAY: "250",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "64",
        OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20abc,x-tenant=one",
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-tenant=two"
      }))
      assert.strictEqual(set.serviceName, "hub-eu-1")
      assert.strictEqual(set.protocol, "http/json")
      assert.strictEqual(set.maxBatchSize, 64)
      assert.deepStrictEqual(Redacted.value(set.headers), { authorization: "Bearer abc", "x-tenant": "two" })
      assert.notInclude(String(set.headers), "abc")
    }))

  it.effect("a bad value fails with one line naming the variable, never a header's value", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Record<string, string>, string]> = [
        [{ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }, "OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (got collector:)"],
        [{ OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" }, "OTEL_EXPORTER_OTLP_ENDPOINT is not a URL (expected e.g. http://otel-collector:4318)"],
        [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://u:p@c:4318/v1/traces" }, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must not carry credentials; put them in OTEL_EXPORTER_OTLP_HEADERS"],
        [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, "OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (got \"grpc\"; gRPC is not supported)"],
        [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_BSP_SCHEDULE_DELAY: "5s" }, "OTEL_BSP_SCHEDULE_DELAY must be a positive whole number (got \"5s\")"],
        [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_HEADERS: "api-key=hunter2,hunter3" }, "OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not key=value (comma-separated, values URL-encoded)"],
        [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_HEADERS: "bad header=hunter2" }, "OTEL_EXPORTER_OTLP_HEADERS: entry 1 does not name a valid HTTP header"]
      ]
      for (const [vars, message] of cases) {
        const exit = yield* Effect.exit(settings(vars))
        assert.isTrue(Exit.isFailure(exit))
        const error = yield* Effect.flip(settings(vars))
        assert.strictEqual(error._tag, "TracingConfigInvalid")
        assert.strictEqual(error.message, message)
        assert.notInclude(error.message, "hunter")
      }
    }))
})
