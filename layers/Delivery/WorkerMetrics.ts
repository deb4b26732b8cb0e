/** The delivery worker's metric updates; metrics tagged per target are built once and reused. */
import { Clock, Effect, Metric, Ref } from "effect"
import * as DeliveryMetrics from "../../src/delivery/Metrics.js"
import * as Uuid7 from "../../src/domain/Uuid7.js"
import type { CompletedAttempt, DeliveryStoreService, RecordedAttempt } from "../../services/DeliveryStore.js"

interface TargetMetrics {
  readonly outcomes: Map<string, Effect.Effect<void>>
  readonly latency: Metric.Metric.Histogram<number>
  readonly duration: Metric.Metric.Histogram<number>
  readonly deadLetters: Metric.Metric.Counter<number>
  readonly refused: Metric.Metric.Counter<number>
  readonly postponed: Metric.Metric.Counter<number>
  readonly parked: Metric.Metric.Counter<number>
}

/** Tagging a metric on every delivery costs more than updating it, so tagged metrics are cached. */
const targetMetrics = new Map<string, TargetMetrics>()

export const perTarget = (target: string): TargetMetrics => {
  const known = targetMetrics.get(target)
  if (known !== undefined) return known
  const made: TargetMetrics = {
    outcomes: new Map(),
    latency: Metric.tagged(DeliveryMetrics.deliveryLatency, "target", target),
    duration: Metric.tagged(DeliveryMetrics.attemptDuration, "target", target),
    deadLetters: Metric.tagged(DeliveryMetrics.deadLettersWritten, "target", target),
    refused: Metric.tagged(DeliveryMetrics.deliveriesRefused, "target", target),
    postponed: Metric.tagged(DeliveryMetrics.breakerPostponed, "target", target),
    parked: Metric.tagged(DeliveryMetrics.deliveriesParked, "target", target)
  }
  targetMetrics.set(target, made)
  return made
}

const count = (target: string, outcome: string) => {
  const byOutcome = perTarget(target).outcomes
  let increment = byOutcome.get(outcome)
  if (increment === undefined) {
    increment = Metric.increment(
      Metric.tagged(Metric.tagged(DeliveryMetrics.deliveries, "target", target), "outcome", outcome)
    )
    byOutcome.set(outcome, increment)
  }
  return increment
}

/** An attempt waiting to be recorded, with when its request was accepted (for the latency). */
export interface Finished extends CompletedAttempt {
  readonly received_at: Date
}

const keyOf = (a: { readonly request_id: string; readonly target: string }) => `${a.request_id}\u0000${a.target}`

/** Counts recorded outcomes (and attempts whose claim had expired), and the latency of deliveries. */
export const observe = (recorded: ReadonlyArray<RecordedAttempt>, batch: ReadonlyArray<Finished>) =>
  Effect.gen(function*() {
    const kept = new Set(recorded.map(keyOf))
    for (const r of recorded) {
      yield* count(r.target, r.status === "delivered" ? "delivered" : r.status === "pending" ? "retried" : "dead_lettered")
      if (r.status === "dead_lettered") yield* Metric.increment(perTarget(r.target).deadLetters)
    }
    for (const f of batch) {
      if (!kept.has(keyOf(f))) {
        yield* count(f.target, "expired_claim")
      } else if (f.result._tag === "Delivered") {
        const seconds = (f.attempted_at.getTime() - new Date(f.received_at).getTime()) / 1000
        yield* Metric.update(perTarget(f.target).latency, Math.max(0, seconds))
      }
    }
  })

/** Seconds from the acceptance of a request (its UUIDv7 id) to `nowMs`; 0 for none. */
const ageOf = (requestId: string | null, nowMs: number): number =>
  requestId === null ? 0 : Math.max(0, (nowMs - Uuid7.timestampOf(requestId)) / 1000)

/**
 * Samples outbox depth, the age of the oldest pending delivery and unreplayed dead letters per target into
 * gauges (a target that empties goes to 0).
 */
export const depthSampler = (store: DeliveryStoreService) =>
  Effect.map(Ref.make<ReadonlySet<string>>(new Set()), (seen) =>
    Effect.gen(function*() {
      const depth = yield* store.depth
      const nowMs = yield* Clock.currentTimeMillis
      const pending = new Map(depth.pending.map((d) => [d.target, d]))
      const dead = new Map(depth.deadLetters.map((d) => [d.target, d.count]))
      const targets = new Set([...(yield* Ref.get(seen)), ...pending.keys(), ...dead.keys()])
      for (const target of targets) {
        const waiting = pending.get(target)
        yield* Metric.set(Metric.tagged(DeliveryMetrics.outboxDepth, "target", target), waiting?.count ?? 0)
        yield* Metric.set(
          Metric.tagged(DeliveryMetrics.oldestPendingAge, "target", target),
          ageOf(waiting?.oldest_request_id ?? null, nowMs)
        )
        yield* Metric.set(Metric.tagged(DeliveryMetrics.deadLettersWaiting, "target", target), dead.get(target) ?? 0)
      }
      yield* Ref.set(seen, targets)
    }))
