/**
 * One delivery attempt: POST the canonical request, signed per Standard Webhooks, and decide what it
 * means (delivered, retry when, or dead letter). Never fails: network errors and timeouts are transient.
 */
import { type HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect, Metric, Option, Random } from "effect"
import * as CanonicalRequest from "../../src/delivery/CanonicalRequest.js"
import type * as RetryPolicy from "../../src/delivery/RetryPolicy.js"
import { classify, decide } from "../../src/delivery/RetryPolicy.js"
import * as Signature from "../../src/delivery/Signature.js"
import type { AttemptResult, ClaimedDelivery } from "../../services/DeliveryStore.js"
import { perTarget } from "./WorkerMetrics.js"

const USER_AGENT = "switchboard-delivery/0.1"

const transient = (error: string): RetryPolicy.Verdict => ({ _tag: "Transient", status: null, error, retryAfterMs: null })

/** The innermost message of a transport failure (e.g. "connect ECONNREFUSED 127.0.0.1:9"). */
const describeCause = (cause: unknown): string => {
  let current = cause
  for (let depth = 0; depth < 4 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause
  }
  return current instanceof Error ? current.message.slice(0, 200) : "unknown cause"
}

export interface PosterOptions {
  readonly requestTimeout: Duration.Duration
  readonly retry: RetryPolicy.RetryPolicy
}

export const make = (client: HttpClient.HttpClient, options: PosterOptions) => {
  const post = (row: ClaimedDelivery, url: string, key: Buffer, nowMs: number) => {
    const body = CanonicalRequest.encode(row.request, row.target, row.webhook_id)
    const timestamp = Math.floor(nowMs / 1000)
    const request = HttpClientRequest.post(url).pipe(
      HttpClientRequest.setHeaders({
        "webhook-id": row.webhook_id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": Signature.sign(key, row.webhook_id, timestamp, body),
        "user-agent": USER_AGENT
      }),
      HttpClientRequest.bodyText(body, "application/json")
    )
    return client.execute(request).pipe(
      Effect.flatMap((response) =>
        Effect.map(
          Effect.orElseSucceed(response.text, () => ""),
          (text) => classify(response.status, response.headers["retry-after"], text, nowMs)
        )
      ),
      Effect.scoped,
      Effect.catchAll((e) => Effect.succeed(transient(`network error (${e.reason}): ${describeCause(e.cause)}`))),
      Effect.timeoutOption(options.requestTimeout),
      Effect.map(Option.getOrElse(() => transient(`timeout after ${Duration.format(options.requestTimeout)}`)))
    )
  }

  /** The outcome of one attempt at `row` (a defect is logged and retried after the base delay). */
  return (row: ClaimedDelivery): Effect.Effect<AttemptResult> =>
    Effect.gen(function*() {
      const start = yield* Clock.currentTimeMillis
      const verdict: RetryPolicy.Verdict = row.endpoint === null
        ? { _tag: "Permanent", status: null, error: `target "${row.target}" was removed` }
        : yield* post(row, row.endpoint.url, Signature.keyOf(row.endpoint.secret), start)
      const end = yield* Clock.currentTimeMillis
      yield* Metric.update(perTarget(row.target).duration, (end - start) / 1000)
      return decide(options.retry, verdict, row.attempts + 1, end, yield* Random.next)
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.logError("delivery: attempt failed unexpectedly", cause).pipe(
          Effect.annotateLogs({ target: row.target, webhook_id: row.webhook_id }),
          Effect.zipRight(Clock.currentTimeMillis),
          Effect.map((now): AttemptResult => ({
            _tag: "Retry",
            status: null,
            error: "internal error in the delivery worker",
            next_attempt_at: new Date(now + options.retry.baseDelayMs)
          }))
        )
      )
    )
}
