/**
 * One delivery attempt to an action target, for the delivery worker: the ActionDispatch verdict decided
 * under the outbox's retry policy (backoff, Retry-After, dead letter when attempts run out), its duration
 * in the per-target metrics. A hub built without ActionDispatch answers each such row with a retry.
 */
import { Clock, Effect, Metric, Option, Random } from "effect"
import type * as RetryPolicy from "../../src/delivery/RetryPolicy.js"
import { decide } from "../../src/delivery/RetryPolicy.js"
import type { Verdict } from "../../src/domain/DeliveryVerdict.js"
import type { ActionDispatchService } from "../../services/ActionDispatch.js"
import type { AttemptResult, ClaimedDelivery } from "../../services/DeliveryStore.js"
import { perTarget } from "../Delivery/WorkerMetrics.js"

const missing: Verdict = {
  _tag: "Transient",
  status: null,
  error: "this hub has no outbound actions configured (ActionDispatch)",
  retryAfterMs: null
}

export const make = (dispatch: Option.Option<ActionDispatchService>, options: { readonly retry: RetryPolicy.RetryPolicy }) =>
(row: ClaimedDelivery): Effect.Effect<AttemptResult> =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const verdict = Option.isSome(dispatch) ? yield* dispatch.value.attempt(row) : missing
    const end = yield* Clock.currentTimeMillis
    yield* Metric.update(perTarget(row.target).duration, (end - start) / 1000)
    return decide(options.retry, verdict, row.attempts + 1, end, yield* Random.next)
  }).pipe(
    Effect.catchAllCause((cause) =>
      Effect.logError("delivery: action attempt failed unexpectedly", cause).pipe(
        Effect.annotateLogs({ target: row.target, webhook_id: row.webhook_id }),
        Effect.zipRight(Effect.zipWith(Clock.currentTimeMillis, Random.next, (now, random) =>
          decide(options.retry, { ...missing, error: "internal error in the action delivery" }, row.attempts + 1, now, random)))
      )
    )
  )
