/**
 * The HTTP client the OTLP exporter posts through. Each request is bounded by the export timeout and at
 * most MAX_IN_FLIGHT run at once: beyond that a batch is refused at once rather than piling up (with its
 * spans in memory) behind a collector that does not answer. Every outcome is counted; each kind of failure
 * is logged once, with the endpoint but never the headers. Ingest never waits on any of this: spans are
 * buffered and exported by the exporter's own fibers.
 */
import { HttpClient, HttpClientError, type HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Duration, Effect, Metric, Option, Ref } from "effect"
import { exportOutcome } from "../../src/tracing/Metrics.js"
import { describeUrl, type TracingSettings } from "../../src/tracing/TracingConfig.js"

/** Export requests allowed in flight at once. */
export const MAX_IN_FLIGHT = 2

/** Distinct failure reasons remembered for "log once"; past it nothing more is logged. */
const MAX_REASONS = 32

/** The innermost message of a transport failure, its code first (e.g. "ECONNREFUSED"). */
const transportReason = (cause: unknown): string => {
  let current = cause
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) current = current.cause
  if (current instanceof Error) {
    const code = (current as NodeJS.ErrnoException).code
    return typeof code === "string" ? code : current.message.slice(0, 120)
  }
  return "network error"
}

const refuse = (request: HttpClientRequest.HttpClientRequest, description: string) =>
  new HttpClientError.RequestError({ request, reason: "Transport", description })

/** Wraps `client` for exports to `settings.url`. */
export const make = (client: HttpClient.HttpClient, settings: TracingSettings) =>
  Effect.gen(function*() {
    const permits = yield* Effect.makeSemaphore(MAX_IN_FLIGHT)
    const logged = yield* Ref.make<ReadonlySet<string>>(new Set())
    const where = describeUrl(settings.url)

    /** Counts a failure and logs its reason the first time it is seen. */
    const failed = (outcome: "failed" | "dropped", reason: string) =>
      Effect.zipRight(
        Metric.increment(exportOutcome(outcome)),
        Effect.flatMap(
          Ref.modify(logged, (seen) =>
            seen.has(reason) || seen.size >= MAX_REASONS ? [false, seen] : [true, new Set([...seen, reason])]),
          (first) =>
            first
              ? Effect.logWarning(`tracing: span export to ${where} failed (${reason}); spans are dropped until it works again, this reason is logged once`)
                .pipe(Effect.annotateLogs({ endpoint: where, reason }))
              : Effect.void
        )
      )

    const guarded = (
      effect: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>,
      request: HttpClientRequest.HttpClientRequest
    ) =>
      permits.withPermitsIfAvailable(1)(
        effect.pipe(
          Effect.timeoutOption(settings.timeout),
          Effect.tapError((e) => failed("failed", e._tag === "RequestError" ? transportReason(e.cause) : e.message.slice(0, 120))),
          Effect.flatMap(Option.match({
            onNone: () =>
              Effect.zipRight(
                failed("failed", `no answer within ${Duration.format(settings.timeout)}`),
                Effect.fail(refuse(request, `no answer within ${Duration.format(settings.timeout)}`))
              ),
            onSome: (response) =>
              response.status >= 200 && response.status < 300
                ? Effect.as(Metric.increment(exportOutcome("ok")), response)
                : Effect.as(failed("failed", `HTTP ${response.status}`), response)
          }))
        )
      ).pipe(
        Effect.flatMap(Option.match({
          onNone: () =>
            Effect.zipRight(
              failed("dropped", `more than ${MAX_IN_FLIGHT} exports in flight`),
              Effect.fail(refuse(request, `more than ${MAX_IN_FLIGHT} exports in flight`))
            ),
          onSome: Effect.succeed
        }))
      )

    return HttpClient.transform(client, guarded)
  })
