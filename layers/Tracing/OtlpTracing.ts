/**
 * Tracing for a switchboard process (the hub, a connector). With an OTLP endpoint configured
 * (src/tracing/TracingConfig.ts) the spans the code already makes (`Effect.fn` / `Effect.withSpan` names,
 * HTTP server and client, RPC, SQL) are exported over OTLP/HTTP by @effect/opentelemetry's OtlpTracer: it
 * speaks OTLP through @effect/platform's HttpClient, without the OpenTelemetry SDK, buffering spans and
 * posting them from its own fiber, so a slow or absent collector never holds up the work being traced.
 * Spans carry no query strings and no secret header values; pollers' bare queries are not exported (Sampler).
 * Without an endpoint the tracer is disabled, as the hub always ran: no exporter, spans cost nothing.
 */
import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import { Headers, HttpClient, HttpMiddleware, type HttpServerRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Duration, Effect, FiberRef, Layer, Option, Redacted } from "effect"
import { constTrue } from "effect/Function"
import { HUB_VERSION } from "../../src/domain/Version.js"
import * as TraceContext from "../../src/tracing/TraceContext.js"
import * as TracingConfig from "../../src/tracing/TracingConfig.js"
import * as ExportClient from "./ExportClient.js"
import * as Sampler from "./Sampler.js"
import * as Scrub from "./Scrub.js"

/** What differs between the processes that trace. */
export interface Options {
  /** `service.name` when OTEL_SERVICE_NAME is unset. */
  readonly serviceName: string
  /** Request paths that get no server span (probes, scrapes, a callback whose query carries a code). */
  readonly untracedPaths?: ReadonlyArray<string>
}

/** Request headers whose values spans never record (besides authorization and cookies, redacted already). */
const SECRET_HEADERS: ReadonlyArray<RegExp> = [/secret/i, /token/i, /signature/i, /password/i, /api-key/i]

/** Longest the last export may take when the process stops. */
const SHUTDOWN_TIMEOUT = Duration.seconds(2)

const serialization = (protocol: TracingConfig.Protocol) =>
  protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf

const pathOf = (request: HttpServerRequest.HttpServerRequest): string => {
  const q = request.url.indexOf("?")
  return q === -1 ? request.url : request.url.slice(0, q)
}

/** Export to the configured collector, for as long as the layer lives (the last batch is flushed at the end). */
const exporting = (settings: TracingConfig.TracingSettings, options: Options) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const client = yield* ExportClient.make(yield* HttpClient.HttpClient, settings)
    const tracer = yield* OtlpTracer.make({
      url: settings.url,
      resource: { serviceName: settings.serviceName, serviceVersion: HUB_VERSION },
      headers: Redacted.value(settings.headers),
      exportInterval: settings.exportInterval,
      maxBatchSize: settings.maxBatchSize,
      shutdownTimeout: SHUTDOWN_TIMEOUT
    }).pipe(Effect.provideService(HttpClient.HttpClient, client), Effect.provide(serialization(settings.protocol)))
    yield* Effect.logInfo(`tracing: exporting spans to ${TracingConfig.describeUrl(settings.url)}`).pipe(
      Effect.annotateLogs({ service: settings.serviceName, protocol: settings.protocol })
    )
    const untraced = new Set(options.untracedPaths ?? [])
    return Layer.mergeAll(
      Layer.setTracer(Sampler.wrap(Scrub.wrap(tracer))),
      Layer.locallyScoped(TraceContext.exporting, true),
      Layer.fiberRefLocallyScopedWith(Headers.currentRedactedNames, (names) => [...names, ...SECRET_HEADERS]),
      Layer.fiberRefLocallyScopedWith(
        HttpMiddleware.currentTracerDisabledWhen,
        (disabled) => (request) => untraced.has(pathOf(request)) || disabled(request)
      )
    )
  })).pipe(Layer.provide(NodeHttpClient.layerUndici))

/**
 * No exporter: the tracer is disabled, and so is the HTTP server's span per request, which would otherwise
 * still parse the URL and copy the headers of every request for a span nobody records (issue 14).
 */
const untraced = () =>
  Layer.scopedDiscard(Effect.zipRight(
    Effect.locallyScoped(FiberRef.currentTracerEnabled, false),
    Effect.locallyScopedWith(HttpMiddleware.currentTracerDisabledWhen, () => constTrue)
  ))

/**
 * Tracing as the environment sets it: OTLP export, or the tracer disabled. A bad setting fails the start
 * with one line (TracingConfigInvalid).
 */
export const layer = (options: Options): Layer.Layer<never, TracingConfig.TracingConfigInvalid> =>
  Layer.unwrapEffect(Effect.map(
    TracingConfig.fromEnv(options.serviceName),
    Option.match({ onNone: untraced, onSome: (settings) => exporting(settings, options) })
  ))
