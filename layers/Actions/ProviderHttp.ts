/**
 * What every action provider shares: one HTTP exchange with a bounded reply (the provider's latency
 * metered), and the split of a non-2xx answer into "refused" (4xx) and "may work later" (408, 429, 5xx,
 * with Retry-After). Errors carry only the status and the provider's bounded error code: never a URL
 * (Slack's and Telegram's hold their secrets), a header, or a message that may quote the payload.
 */
import { type HttpClient, type HttpClientRequest } from "@effect/platform"
import { Clock, Effect, Metric, Stream } from "effect"
import type { Connector } from "../../src/domain/ActionCatalog.js"
import * as ActionMetrics from "../../src/actions/Metrics.js"
import { parseRetryAfter } from "../../src/delivery/RetryPolicy.js"
import { type ProviderFailure, ProviderRejected, ProviderRetryable } from "../../services/ActionProviders.js"

/** Most of a reply read: providers answer small JSON documents. */
const MAX_REPLY_BYTES = 64 * 1024

export interface Reply {
  readonly status: number
  readonly retryAfter: string | undefined
  readonly text: string
}

const readBounded = (stream: Stream.Stream<Uint8Array, unknown>) =>
  Stream.runFoldWhile(stream, Buffer.alloc(0), (acc) => acc.length < MAX_REPLY_BYTES, (acc, chunk) =>
    Buffer.concat([acc, chunk]).subarray(0, MAX_REPLY_BYTES)).pipe(Effect.map((bytes) => bytes.toString("utf8")))

const latencyOf = new Map<string, Metric.Metric.Histogram<number>>()
const latency = (connector: Connector) => {
  let metric = latencyOf.get(connector)
  if (metric === undefined) {
    metric = Metric.tagged(ActionMetrics.providerLatency, "connector", connector)
    latencyOf.set(connector, metric)
  }
  return metric
}

/** One request and its reply; a transport failure may work later (code `network`). */
export const exchange = (
  client: HttpClient.HttpClient,
  connector: Connector,
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<Reply, ProviderRetryable> =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const reply = yield* client.execute(request).pipe(
      Effect.flatMap((response) => {
        // A reply that declares a small length is read whole (no stream); anything else only up to the bound.
        const declared = Number(response.headers["content-length"])
        const body = Number.isFinite(declared) && declared <= MAX_REPLY_BYTES ? response.text : readBounded(response.stream)
        return Effect.map(body, (text): Reply => ({ status: response.status, retryAfter: response.headers["retry-after"], text }))
      }),
      Effect.scoped,
      Effect.mapError(() => new ProviderRetryable({ connector, status: null, code: "network", retry_after_ms: null }))
    )
    yield* Metric.update(latency(connector), ((yield* Clock.currentTimeMillis) - start) / 1000)
    return reply
  })

/** A provider's error code as it may appear in answers and logs: a short token, else `unknown`. */
export const safeCode = (value: unknown): string =>
  typeof value === "string" && /^[A-Za-z0-9_.:-]{1,64}$/.test(value.trim()) ? value.trim() : "unknown"

/** Parsed JSON of a reply, or undefined. */
export const jsonOf = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** A field of a JSON object, or undefined. */
export const fieldOf = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined

/** The failure for a non-2xx reply with the provider's code; `retryAfterMs` overrides the header. */
export const failure = (
  connector: Connector,
  reply: Reply,
  code: string,
  nowMs: number,
  retryAfterMs: number | null = null
): ProviderFailure =>
  reply.status === 408 || reply.status === 429 || reply.status >= 500
    ? new ProviderRetryable({
      connector,
      status: reply.status,
      code,
      retry_after_ms: retryAfterMs ?? parseRetryAfter(reply.retryAfter, nowMs)
    })
    : new ProviderRejected({ connector, status: reply.status, code })

/** The reply as success (`ok`) or its failure. */
export const settle = <A>(
  connector: Connector,
  reply: Reply,
  ok: (json: unknown) => A | undefined,
  codeOf: (json: unknown, text: string) => string,
  retryAfterMs: (json: unknown) => number | null = () => null
): Effect.Effect<A, ProviderFailure> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const json = jsonOf(reply.text)
    if (reply.status >= 200 && reply.status < 300) {
      const value = ok(json)
      return value === undefined
        ? Effect.fail(new ProviderRejected({ connector, status: reply.status, code: "unexpected_answer" }))
        : Effect.succeed(value)
    }
    return Effect.fail(failure(connector, reply, codeOf(json, reply.text), now, retryAfterMs(json)))
  })
