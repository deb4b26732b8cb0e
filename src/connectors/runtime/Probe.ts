/**
 * A connector process's own probe (CONNECTOR_HTTP_PORT): `GET /health` and `GET /metrics` on a real
 * socket, both built from the heartbeat the process would send now, so a process supervisor sees what
 * the hub sees without asking the hub. Only GET is served and no request body is ever read; every
 * answer but /metrics is JSON. Hosted connectors have none (the hub serves /ready and /metrics).
 */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Cause, Effect, Metric, MetricKey, MetricLabel, MetricPair, MetricState, Option, Predicate } from "effect"
import { createServer } from "node:http"
import type { HeartbeatInput } from "../../domain/Heartbeat.js"
import * as Prometheus from "../../metrics/Prometheus.js"
import type { ProbeAddress } from "../../../services/ConnectorConfig.js"
import { ConnectorStartFailed } from "../../../services/SourceConnector.js"

/** Prometheus text exposition format 0.0.4, as the hub's /metrics answers. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

/** The degradation member that is a duration, not a count of events (exported as its own counter). */
const WAIT_SECONDS = "rate_limit_wait_s"

type Degradation = NonNullable<HeartbeatInput["degradation"]>

/** The body of `GET /health`: 200 while healthy or degraded, 503 in state error. */
export const healthOf = (heartbeat: HeartbeatInput) => ({
  status: heartbeat.status.state,
  connector_type: heartbeat.connector.connector_type,
  endpoint_identity: heartbeat.connector.endpoint_identity,
  instance_id: heartbeat.connector.instance_id,
  uptime_s: heartbeat.status.uptime_s,
  last_submission_at: heartbeat.last_submission_at ?? null,
  checkpoint_updated_at: heartbeat.checkpoint?.updated_at ?? null,
  degradation: heartbeat.degradation ?? {}
})

const seconds = (iso: string | undefined): Option.Option<number> =>
  Option.filter(Option.fromNullable(iso).pipe(Option.map(Date.parse)), Number.isFinite).pipe(Option.map((ms) => ms / 1000))

/** `degradations_total` samples: one per kind (reason "none"), or one per reason of a kind counted by reason. */
const degradationSamples = (degradation: Degradation) =>
  Object.entries(degradation).flatMap(([kind, value]) =>
    kind === WAIT_SECONDS
      ? []
      : typeof value === "number"
      ? [{ kind, reason: "none", n: value }]
      : Object.entries(value ?? {}).map(([reason, n]) => ({ kind, reason, n }))
  )

/** The `switchboard_connector_*` series of one heartbeat, labelled connector_type and endpoint_identity. */
export const seriesOf = (heartbeat: HeartbeatInput): ReadonlyArray<MetricPair.MetricPair.Untyped> => {
  const who = [
    MetricLabel.make("connector_type", heartbeat.connector.connector_type),
    MetricLabel.make("endpoint_identity", heartbeat.connector.endpoint_identity)
  ]
  const counter = (name: string, description: string, n: number, labels: ReadonlyArray<MetricLabel.MetricLabel> = []) =>
    MetricPair.unsafeMake(
      MetricKey.taggedWithLabels(MetricKey.counter(`switchboard_connector_${name}`, { description }), [...who, ...labels]),
      MetricState.counter(n)
    )
  const gauge = (name: string, description: string, n: number) =>
    MetricPair.unsafeMake(
      MetricKey.taggedWithLabels(MetricKey.gauge(`switchboard_connector_${name}`, { description }), who),
      MetricState.gauge(n)
    )
  const c = heartbeat.counters
  const wait = heartbeat.degradation?.[WAIT_SECONDS]
  return [
    gauge("up", "1 while this connector process serves its probe", 1),
    counter("messages_ingested_total", "events the hub accepted as new since the process started", c.messages_ingested),
    counter("messages_failed_total", "events the hub refused for good (dead-lettered) since start", c.messages_failed),
    counter("source_api_calls_total", "calls made to the source API since start", c.source_api_calls),
    counter("checkpoint_saves_total", "checkpoint writes since start", c.checkpoint_saves),
    counter("dedupe_accepted_total", "events the hub answered as duplicates since start", c.dedupe_accepted),
    ...degradationSamples(heartbeat.degradation ?? {}).map(({ kind, n, reason }) =>
      counter("degradations_total", "degradations since start by kind (and reason for skipped attachments)", n, [
        MetricLabel.make("kind", kind),
        MetricLabel.make("reason", reason)
      ])
    ),
    ...(typeof wait === "number"
      ? [counter("rate_limit_wait_seconds_total", "whole seconds spent waiting on source rate limits since start", wait)]
      : []),
    ...Option.toArray(Option.map(seconds(heartbeat.last_submission_at), (s) =>
      gauge("last_submission_timestamp_seconds", "when the hub last accepted an event from this process (unix s)", s))),
    ...Option.toArray(Option.map(seconds(heartbeat.checkpoint?.updated_at), (s) =>
      gauge("checkpoint_updated_timestamp_seconds", "when the checkpoint was last loaded or saved (unix s)", s)))
  ]
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  HttpServerResponse.unsafeJson(body, { status, headers: { "cache-control": "no-store", ...headers } })

const ROUTES = ["/health", "/metrics"] as const
type Route = (typeof ROUTES)[number]
const isRoute = (path: string): path is Route => (ROUTES as ReadonlyArray<string>).includes(path)

/** Answers one probe request from the heartbeat `message` builds now. */
export const app = (message: Effect.Effect<HeartbeatInput>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = request.url.split("?")[0] ?? ""
    if (!isRoute(path)) {
      return json(404, { error: "NotFound", message: "the connector probe serves only GET /health and GET /metrics" })
    }
    if (request.method !== "GET") {
      return json(405, { error: "MethodNotAllowed", message: `${path} answers GET only` }, { allow: "GET" })
    }
    const heartbeat = yield* message
    if (path === "/health") {
      const health = healthOf(heartbeat)
      return json(health.status === "error" ? 503 : 200, health)
    }
    const { text } = Prometheus.render([...(yield* Metric.snapshot), ...seriesOf(heartbeat)])
    return HttpServerResponse.text(text, { contentType: METRICS_CONTENT_TYPE, headers: { "cache-control": "no-store" } })
  }).pipe(
    Effect.catchAllCause((cause) =>
      Effect.as(
        Effect.logError("probe: answering failed", Cause.squash(cause)),
        json(500, { error: "InternalError", message: "the probe could not build its answer; see the connector's log" })
      )
    )
  )

const reasonOf = (cause: unknown): string =>
  Predicate.hasProperty(cause, "code") && cause.code === "EADDRINUSE"
    ? "the address is already in use (EADDRINUSE); choose another CONNECTOR_HTTP_PORT or stop what holds it"
    : Predicate.hasProperty(cause, "message") && typeof cause.message === "string"
    ? cause.message
    : String(cause)

/**
 * Opens the probe on `address` for the enclosing scope (it closes with it); a port that cannot be bound
 * fails the start with one line naming the address and why.
 */
export const serve = (connectorType: string, address: ProbeAddress, message: Effect.Effect<HeartbeatInput>) =>
  Effect.gen(function*() {
    const where = `${address.host}:${address.port}`
    const server = yield* NodeHttpServer.make(() => createServer(), { host: address.host, port: address.port }).pipe(
      Effect.mapError((e) =>
        new ConnectorStartFailed({
          connector: connectorType,
          message: `CONNECTOR_HTTP_PORT: cannot serve the probe on ${where}: ${reasonOf(e.cause)}`
        })
      )
    )
    yield* server.serve(app(message))
    yield* Effect.logInfo(`probe listening on http://${where} (GET /health, GET /metrics)`)
    return server.address
  }).pipe(Effect.annotateLogs({ connector: connectorType, worker: "probe" }))
