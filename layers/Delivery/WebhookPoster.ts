/**
 * One delivery attempt: POST the canonical request, signed per Standard Webhooks, and decide what it
 * means (delivered, retry when, or dead letter). Never fails: network errors and timeouts are transient.
 * The request carries `traceparent` (and `tracestate`) continuing the trace stored with the inbox row
 * (the envelope's control.trace_context): the attempt's own span when this hub exports spans, else the
 * sender's context passed on unchanged, so the receiver can join the trace either way.
 */
import { type HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect, Metric, Option, Random, Stream, type Tracer } from "effect"
import ipaddr from "ipaddr.js"
import * as Addresses from "../../src/delivery/Addresses.js"
import * as CanonicalRequest from "../../src/delivery/CanonicalRequest.js"
import type * as RetryPolicy from "../../src/delivery/RetryPolicy.js"
import { classify, decide } from "../../src/delivery/RetryPolicy.js"
import * as Signature from "../../src/delivery/Signature.js"
import type { Verdict } from "../../src/domain/DeliveryVerdict.js"
import * as TraceContext from "../../src/tracing/TraceContext.js"
import type { AttemptResult, ClaimedDelivery } from "../../services/DeliveryStore.js"
import { perTarget } from "./WorkerMetrics.js"

const USER_AGENT = "switchboard-delivery/0.1"

const transient = (error: string): Verdict => ({ _tag: "Transient", status: null, error, retryAfterMs: null })

/** The innermost message of a transport failure (e.g. "connect ECONNREFUSED 127.0.0.1:9"). */
export const describeCause = (cause: unknown): string => {
  let current = cause
  for (let depth = 0; depth < 4 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause
  }
  return current instanceof Error ? current.message.slice(0, 200) : "unknown cause"
}

export interface PosterOptions {
  readonly requestTimeout: Duration.Duration
  readonly retry: RetryPolicy.RetryPolicy
  readonly allowPrivate: boolean
  readonly hubPort: number | null
}

/** Most of a reply body read (for the excerpt kept in last_error): a target cannot make the hub buffer more. */
const MAX_REPLY_BYTES = 4096

export const readExcerpt = (stream: Stream.Stream<Uint8Array, unknown>) =>
  Stream.runFoldWhile(stream, Buffer.alloc(0), (acc) => acc.length < MAX_REPLY_BYTES, (acc, chunk) =>
    Buffer.concat([acc, chunk]).subarray(0, MAX_REPLY_BYTES)).pipe(
      Effect.map((bytes) => bytes.toString("utf8")),
      Effect.orElseSucceed(() => "")
    )

/**
 * Why the target URL itself may not be delivered to (a literal address the guard refuses, or this hub's
 * own port on loopback); names are checked when they are resolved, at connect time.
 */
const urlRefusal = (url: string, options: PosterOptions): string | undefined => {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return "the target URL is not valid"
  }
  const host = u.hostname.replace(/^\[|\]$/g, "")
  const port = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port)
  if (options.hubPort !== null && port === options.hubPort && Addresses.isLoopbackHost(host)) {
    return "the target is this hub itself"
  }
  return ipaddr.isValid(host) ? Addresses.refusal(host, options.allowPrivate) : undefined
}

/** A transport failure that is the address guard refusing the connection: permanent, not retried. */
const refusedByGuard = (cause: unknown): boolean => {
  let current = cause
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if ((current as NodeJS.ErrnoException).code === Addresses.REFUSED_CODE) return true
    current = current.cause
  }
  return false
}

/** A permanent failure for an address the guard refuses, counted per target. */
const addressRefused = (target: string, reason: string) =>
  Effect.as(Metric.increment(perTarget(target).refused), {
    _tag: "Permanent",
    status: null,
    error: `address refused: ${reason}`
  } satisfies Verdict)

/** The trace headers of an attempt: its own span when exported, else the stored parent passed on, else none. */
export const traceHeaders = (
  span: Option.Option<Tracer.Span>,
  stored: TraceContext.TraceParent | undefined
): Record<string, string> => {
  const traceparent = Option.isSome(span) ? TraceContext.format(span.value) : stored && TraceContext.format(stored)
  if (traceparent === undefined) return {}
  return stored?.tracestate === undefined ? { traceparent } : { traceparent, tracestate: stored.tracestate }
}

/** The stored trace context of the row's request, when it names a valid W3C parent. */
const storedParent = (row: ClaimedDelivery): TraceContext.TraceParent | undefined => {
  const read = TraceContext.read(row.request.trace_context)
  return read._tag === "Valid" ? read.parent : undefined
}

export const make = (client: HttpClient.HttpClient, options: PosterOptions) => {
  const post = (row: ClaimedDelivery, url: string, key: Buffer, nowMs: number, trace: Record<string, string>) => {
    const body = CanonicalRequest.encode(row.request, row.target, row.webhook_id)
    const timestamp = Math.floor(nowMs / 1000)
    const request = HttpClientRequest.post(url).pipe(
      HttpClientRequest.setHeaders({
        ...trace,
        "webhook-id": row.webhook_id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": Signature.sign(key, row.webhook_id, timestamp, body),
        "user-agent": USER_AGENT
      }),
      HttpClientRequest.bodyText(body, "application/json")
    )
    const refused = urlRefusal(url, options)
    if (refused !== undefined) return addressRefused(row.target, refused)
    return client.execute(request).pipe(
      Effect.flatMap((response) =>
        Effect.map(
          readExcerpt(response.stream),
          (text) => classify(response.status, response.headers["retry-after"], text, nowMs)
        )
      ),
      Effect.scoped,
      Effect.catchAll((e): Effect.Effect<Verdict> =>
        refusedByGuard(e.cause)
          ? addressRefused(row.target, describeCause(e.cause))
          : Effect.succeed(transient(`network error (${e.reason}): ${describeCause(e.cause)}`))
      ),
      Effect.timeoutOption(options.requestTimeout),
      Effect.map(Option.getOrElse(() => transient(`timeout after ${Duration.format(options.requestTimeout)}`)))
    )
  }

  /** One POST inside the attempt's span (a child of the stored trace context, else a root). */
  const traced = (row: ClaimedDelivery, url: string, key: Buffer, nowMs: number) => {
    const stored = storedParent(row)
    return Effect.flatMap(TraceContext.currentRecorded, (span) => post(row, url, key, nowMs, traceHeaders(span, stored))).pipe(
      Effect.tap((verdict) =>
        Effect.annotateCurrentSpan({
          "switchboard.verdict": verdict._tag,
          ...(verdict.status === null ? {} : { "http.response.status_code": verdict.status })
        })),
      Effect.withSpan("Delivery.attempt", {
        kind: "client",
        captureStackTrace: false,
        attributes: { "switchboard.target": row.target, "switchboard.webhook_id": row.webhook_id, "switchboard.attempt": row.attempts + 1 },
        ...(stored === undefined ? { root: true } : { parent: TraceContext.toExternalSpan(stored) })
      })
    )
  }

  /**
   * The outcome of one attempt at `row`. A defect is logged and counts as a failed attempt under the same
   * policy (backoff, then a dead letter when attempts run out), never an endless retry.
   */
  return (row: ClaimedDelivery): Effect.Effect<AttemptResult> =>
    Effect.gen(function*() {
      const start = yield* Clock.currentTimeMillis
      const verdict: Verdict = row.endpoint === null
        ? { _tag: "Permanent", status: null, error: `target "${row.target}" was removed` }
        : yield* traced(row, row.endpoint.url, Signature.keyOf(row.endpoint.secret), start)
      const end = yield* Clock.currentTimeMillis
      yield* Metric.update(perTarget(row.target).duration, (end - start) / 1000)
      return decide(options.retry, verdict, row.attempts + 1, end, yield* Random.next)
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.logError("delivery: attempt failed unexpectedly", cause).pipe(
          Effect.annotateLogs({ target: row.target, webhook_id: row.webhook_id }),
          Effect.zipRight(Effect.zipWith(Clock.currentTimeMillis, Random.next, (now, random) =>
            decide(options.retry, transient("internal error in the delivery worker"), row.attempts + 1, now, random)
          ))
        )
      )
    )
}
