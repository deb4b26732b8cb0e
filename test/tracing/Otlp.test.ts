/**
 * Traces reach a collector: the production hub composition (Live.hubLayer) with OTEL_EXPORTER_OTLP_ENDPOINT
 * pointing at a local OTLP/HTTP receiver. An envelope's control.trace_context.traceparent becomes the parent of
 * the ingest span, the delivery to a target carries a traceparent in the same trace, and a malformed one is
 * ignored (the envelope is still accepted, its span starts a fresh trace, the counter moves). A connector
 * (the connector process's composition) exporting to the same collector puts its submission's span in the envelope, so one trace runs from
 * the connector through the hub to the receiver.
 */
import { FileSystem, HttpServer } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Metric, Option } from "effect"
import * as HostedConnectors from "../../layers/Connectors/ConnectorHostLive.js"
import * as Live from "../../layers/Live.js"
import * as PgTokenStore from "../../layers/TokenStore/PgTokenStore.js"
import { TokenStore } from "../../services/TokenStore.js"
import { traceContextInvalid } from "../../src/tracing/Metrics.js"
import * as Receiver from "../delivery/support/Receiver.js"
import * as Wait from "../delivery/support/Wait.js"
import * as Fixtures from "../support/Fixtures.js"
import { field, request } from "../support/Http.js"
import * as TestDatabase from "../support/TestDatabase.js"
import { minter, testConfig } from "../support/TestHub.js"
import { attribute, type Collector, make as makeCollector, type ReceivedSpan } from "./support/Collector.js"

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
const PARENT_ID = "00f067aa0ba902b7"
const HEADER_SECRET = "s3cret value"

class Otel extends Context.Tag("test/Otlp/Collector")<Otel, Collector>() {}
class Hub extends Context.Tag("test/Otlp/Hub")<Hub, { readonly url: string; readonly admin: string }>() {}

/** The hub's whole environment: nothing from the developer's shell leaks in. */
const hubEnv = (collector: Collector) =>
  ConfigProvider.fromMap(new Map(Object.entries({
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_HEADERS: `x-collector-key=${encodeURIComponent(HEADER_SECRET)}`,
    // configuration, not a timing assertion: spans leave the buffer every 50 ms
    OTEL_BSP_SCHEDULE_DELAY: "50",
    SWITCHBOARD_DELIVERY_ALLOW_PRIVATE: "true",
    SWITCHBOARD_DELIVERY_POLL_INTERVAL: "20 millis"
  })), { pathDelim: "_" })

const HubLive = Layer.unwrapScoped(Effect.map(Otel, (collector) =>
  Live.hubLayer(testConfig, TestDatabase.layer).pipe(Layer.locallyEffect(Effect.withConfigProvider(hubEnv(collector))))))

const InfoLive = Layer.effect(Hub, Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  const url = server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "unix"
  const admin = yield* minter(yield* TokenStore)({ role: "admin" })
  return { url, admin: admin.token }
}))

const TestLive = InfoLive.pipe(
  Layer.provide(Layer.merge(HubLive, PgTokenStore.layer.pipe(Layer.provide(TestDatabase.layer)))),
  Layer.provideMerge(Layer.scoped(Otel, makeCollector())),
  Layer.merge(NodeContext.layer)
)

/**
 * The connector process's own composition (ConnectorHostLive.processLayer) for one sandbox message, run in this
 * process until the scope closes: tsx's start-up would cost seconds, and what is under test is the layer.
 */
const runConnector = (endpoint: string, dir: string, otel: Record<string, string>) =>
  Effect.gen(function*() {
    const hub = yield* Hub
    const env = ConfigProvider.fromMap(new Map(Object.entries({
      SWITCHBOARD_URL: hub.url,
      SWITCHBOARD_API_TOKEN: hub.admin,
      CONNECTOR_ENDPOINT_IDENTITY: endpoint,
      CONNECTOR_CURSOR_PATH: `${dir}/cursor.json`,
      CONNECTOR_HEARTBEAT_ENABLED: "false",
      SANDBOX_TOTAL: "1",
      ...otel
    })), { pathDelim: "_" })
    const sandbox = yield* HostedConnectors.lookup("sandbox")
    yield* Effect.forkScoped(Layer.launch(HostedConnectors.processLayer("sandbox", sandbox)).pipe(Effect.withConfigProvider(env)))
  })

/** A receiver routed from `endpoint` (a target of its own). */
const routedReceiver = (endpoint: string) =>
  Effect.gen(function*() {
    const receiver = yield* Receiver.make()
    assert.strictEqual((yield* post("/api/targets", { name: `rx-${endpoint}`, url: receiver.url })).status, 201)
    assert.strictEqual((yield* post("/api/routes", { target: `rx-${endpoint}`, endpoint_identity: endpoint })).status, 201)
    return receiver
  })

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  Effect.flatMap(Hub, (hub) =>
    request(`${hub.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${hub.admin}`, ...headers },
      body: JSON.stringify(body)
    }))

const traced = (id: string, endpoint: string, traceContext: Record<string, unknown>) => {
  const e = Fixtures.sample(id, { endpoint_identity: endpoint })
  return { ...e, control: { trace_context: traceContext } }
}

/** Waits until the collector holds a span that `match` picks. */
const span = (description: string, match: (s: ReceivedSpan) => boolean) =>
  Effect.flatMap(Otel, (collector) =>
    Wait.until(description, Effect.sync(() => Option.fromNullable(collector.spans().find(match)))))

layer(TestLive, { excludeTestServices: true, timeout: 120_000 })("OTLP export from the hub", (it) => {
  it.scoped("the ingest span continues the envelope's traceparent and the delivery carries the same trace", () =>
    Effect.gen(function*() {
      const collector = yield* Otel
      const hub = yield* Hub
      const receiver = yield* Receiver.make()
      assert.strictEqual((yield* post("/api/targets", { name: "trace-rx", url: receiver.url })).status, 201)
      assert.strictEqual((yield* post("/api/routes", { target: "trace-rx", endpoint_identity: "trace-1" })).status, 201)
      assert.strictEqual((yield* request(`${hub.url}/health`)).status, 200)
      const search = yield* request(`${hub.url}/api/requests?q=findme-text`, { headers: { authorization: `Bearer ${hub.admin}` } })
      assert.strictEqual(search.status, 200)

      const answer = yield* post(
        "/api/ingest",
        traced("tr-1", "trace-1", { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, tracestate: "vendor=abc" }),
        { "x-webhook-secret": "do-not-record" }
      )
      assert.strictEqual(answer.status, 202)
      const requestId = String(field(answer.body, "request_id"))

      const ingest = yield* span("the ingest span", (s) => s.name === "Ingest.accept" && attribute(s, "switchboard.request_id") === requestId)
      assert.strictEqual(ingest.traceId, TRACE_ID)
      assert.strictEqual(ingest.parentSpanId, PARENT_ID)
      assert.strictEqual(ingest.service, "switchboard-hub")
      // the HTTP request's own span (no traceparent header: a trace of its own) is linked, not the parent
      const link = ingest.links.find((l) => attribute(l, "switchboard.link") === "request")
      assert.isDefined(link)
      const server = yield* span("the HTTP server span", (s) => s.spanId === link?.spanId)
      assert.strictEqual(attribute(server, "url.path"), "/api/ingest")
      assert.strictEqual(attribute(server, "http.request.header.authorization"), "<redacted>")
      assert.strictEqual(attribute(server, "http.request.header.x-webhook-secret"), "<redacted>")
      const commit = yield* span("the group commit span", (s) => s.name === "Ingest.groupCommit" && s.parentSpanId === ingest.spanId)
      assert.strictEqual(commit.traceId, TRACE_ID)

      const delivered = yield* Wait.until("the delivery", Effect.sync(() => Option.fromNullable(receiver.received()[0])))
      const header = Receiver.header(delivered, "traceparent")
      const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(header)
      assert.isNotNull(m, `traceparent ${header}`)
      assert.strictEqual(m?.[1], TRACE_ID)
      assert.strictEqual(Receiver.header(delivered, "tracestate"), "vendor=abc")
      const attempt = yield* span("the delivery span", (s) => s.name === "Delivery.attempt" && s.spanId === m?.[2])
      assert.strictEqual(attempt.traceId, TRACE_ID)
      assert.strictEqual(attempt.parentSpanId, PARENT_ID)
      assert.strictEqual(attribute(attempt, "switchboard.target"), "trace-rx")

      const exports = collector.exports()
      assert.isTrue(exports.every((e) => e.headers["x-collector-key"] === HEADER_SECRET && e.headers["content-type"] === "application/json"))
      const everything = exports.map((e) => e.body.toString("utf8")).join("\n")
      assert.notInclude(everything, hub.admin)
      assert.notInclude(everything, "do-not-record")
      // query strings (a console search: message text) are not recorded; the path is
      assert.notInclude(everything, "findme-text")
      const searched = yield* span("the search's server span", (s) => attribute(s, "url.path") === "/api/requests")
      assert.strictEqual(attribute(searched, "url.full"), `${hub.url}/api/requests`)
      // probes are not traced; queries outside any operation (pollers) are not exported
      const spans = collector.spans()
      assert.isFalse(spans.some((s) => attribute(s, "url.path") === "/health"))
      assert.isFalse(spans.some((s) => s.name.startsWith("sql.") && s.parentSpanId === undefined))
      assert.isTrue(spans.some((s) => s.name === "sql.execute" && s.parentSpanId === commit.spanId))
    }))

  it.effect("a malformed traceparent is ignored and counted: the envelope is accepted, its span starts a fresh trace", () =>
    Effect.gen(function*() {
      const before = (yield* Metric.value(traceContextInvalid)).count
      const bad = `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`
      const answer = yield* post("/api/ingest", traced("tr-bad", "trace-2", { traceparent: bad }))
      assert.strictEqual(answer.status, 202)
      const requestId = String(field(answer.body, "request_id"))
      const ingest = yield* span("the ingest span", (s) => s.name === "Ingest.accept" && attribute(s, "switchboard.request_id") === requestId)
      assert.notStrictEqual(ingest.traceId.toLowerCase(), TRACE_ID)
      // its parent is the HTTP request's span
      const server = yield* span("the HTTP server span", (s) => s.spanId === ingest.parentSpanId)
      assert.strictEqual(server.traceId, ingest.traceId)
      assert.strictEqual(attribute(server, "url.path"), "/api/ingest")
      assert.strictEqual((yield* Metric.value(traceContextInvalid)).count, before + 1)
    }))

  it.scoped("a connector process that exports puts its span in the envelope: one trace from connector to receiver", () =>
    Effect.gen(function*() {
      const collector = yield* Otel
      const receiver = yield* routedReceiver("trace-3")
      const dir = yield* (yield* FileSystem.FileSystem).makeTempDirectoryScoped({ prefix: "otlp-connector-" })
      yield* runConnector("trace-3", dir, {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_BSP_SCHEDULE_DELAY: "50"
      })
      const delivered = yield* Wait.until("the delivery", Effect.sync(() => Option.fromNullable(receiver.received()[0])))
      const traceId = /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(Receiver.header(delivered, "traceparent"))?.[1]
      assert.isDefined(traceId)
      const submit = yield* span("the connector's submission span", (s) =>
        s.service === "switchboard-connector-sandbox" && s.name === "SwitchboardClient.ingest" && s.traceId === traceId)
      const ingest = yield* span("the hub's ingest span", (s) => s.service === "switchboard-hub" && s.name === "Ingest.accept" && s.traceId === traceId)
      assert.strictEqual(ingest.parentSpanId, submit.spanId)
      const stored = Receiver.json(delivered).data["control"]?.["trace_context"]
      assert.deepStrictEqual(stored, { traceparent: `00-${traceId}-${submit.spanId}-01` })
    }))

  it.scoped("a connector whose tracer is off (its RPC calls say \"noop\"): the hub traces the submission in a trace of its own", () =>
    Effect.gen(function*() {
      const receiver = yield* routedReceiver("trace-4")
      const dir = yield* (yield* FileSystem.FileSystem).makeTempDirectoryScoped({ prefix: "otlp-connector-" })
      yield* runConnector("trace-4", dir, {})
      const delivered = yield* Wait.until("the delivery", Effect.sync(() => Option.fromNullable(receiver.received()[0])))
      assert.isNull(Receiver.json(delivered).data["control"]?.["trace_context"])
      // the delivery span starts a trace of its own (the row has no trace context)
      const attempt = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(Receiver.header(delivered, "traceparent"))
      assert.isNotNull(attempt)
      const requestId = String(Receiver.json(delivered).data["request_context"]?.["request_id"])
      const ingest = yield* span("the hub's ingest span", (s) => s.name === "Ingest.accept" && attribute(s, "switchboard.request_id") === requestId)
      assert.match(ingest.traceId, /^[0-9a-f]{32}$/)
      // RpcServer.Ingest, under the server span of its HTTP request, which starts the trace
      const rpc = yield* span("the RPC server span", (s) => s.spanId === ingest.parentSpanId)
      assert.strictEqual(rpc.name, "RpcServer.Ingest")
      const server = yield* span("the HTTP server span", (s) => s.spanId === rpc.parentSpanId)
      assert.strictEqual(attribute(server, "url.path"), "/rpc")
      assert.isUndefined(server.parentSpanId)
      assert.isFalse((yield* Otel).spans().some((s) => s.traceId === "noop" || s.service === "switchboard-connector-sandbox" && s.traceId === ingest.traceId))
    }))
})
