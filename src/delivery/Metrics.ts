/**
 * Routing and delivery metrics (issue 5), exported with every other Effect metric at `/metrics`.
 * Label values are bounded: `target` is an admin-defined target name, `outcome`/`result` fixed sets.
 */
import { Metric, MetricBoundaries } from "effect"

/** Recorded delivery attempts by `target` and `outcome` (delivered, retried, dead_lettered, expired_claim). */
export const deliveries = Metric.counter("switchboard_deliveries_total", {
  description: "Delivery attempts recorded, by target and outcome",
  incremental: true
})

/** Acceptance to a 2xx answer, by `target`, in seconds (retries included). */
export const deliveryLatency = Metric.histogram(
  "switchboard_delivery_latency_seconds",
  MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 24 }),
  "Time from acceptance to successful delivery, by target, in seconds"
)

/** One HTTP attempt, by `target`, in seconds. */
export const attemptDuration = Metric.histogram(
  "switchboard_delivery_attempt_duration_seconds",
  MetricBoundaries.exponential({ start: 0.001, factor: 2, count: 16 }),
  "Duration of one delivery HTTP attempt, by target, in seconds"
)

/** Outbox rows waiting for delivery (due or retrying), by `target`, sampled by the delivery worker. */
export const outboxDepth = Metric.gauge("switchboard_delivery_outbox_depth", {
  description: "Outbox rows pending delivery, by target"
})

/**
 * Age of the oldest pending delivery of a `target` (since its request was accepted), in seconds, sampled by
 * the delivery worker; 0 when nothing is pending. Rows parked by a pause are left out: a paused target waits
 * by the operator's choice. A replayed old request counts from its first acceptance until it is delivered.
 */
export const oldestPendingAge = Metric.gauge("switchboard_delivery_oldest_pending_age_seconds", {
  description: "Age of the oldest pending (not paused) delivery since acceptance, by target, in seconds"
})

/** Dead letters written, by `target`. */
export const deadLettersWritten = Metric.counter("switchboard_dead_letters_total", {
  description: "Deliveries that ended as dead letters, by target",
  incremental: true
})

/** Dead letters not replayed yet, by `target`, sampled by the delivery worker. */
export const deadLettersWaiting = Metric.gauge("switchboard_dead_letters_unreplayed", {
  description: "Dead letters not replayed yet, by target"
})

/** Routing decisions at acceptance by `result` (matched, general, unrouted); duplicates are routed too. */
export const routingDecisions = Metric.counter("switchboard_routing_decisions_total", {
  description: "Routing decisions at acceptance, by result",
  incremental: true
})

/** Stored rules the router does not use, by `reason` (pattern: it does not compile; target: it is gone). */
export const routingRulesSkipped = Metric.gauge("switchboard_routing_rules_skipped", {
  description: "Stored routing rules not in use, by reason (pattern, target)"
})

/** Delivery attempts refused by the address guard (SSRF), by `target`; each one is a dead letter. */
export const deliveriesRefused = Metric.counter("switchboard_delivery_address_refused_total", {
  description: "Delivery attempts refused because the target address is not allowed, by target",
  incremental: true
})

/** Failed reloads of rules and targets (the previous table stays in use). */
export const routingRefreshFailures = Metric.counter("switchboard_routing_refresh_failures_total", {
  description: "Failed reloads of routing rules and targets",
  incremental: true
})

/** Failed claim or record steps of the delivery worker, by `step`. */
export const workerFailures = Metric.counter("switchboard_delivery_worker_failures_total", {
  description: "Delivery worker steps that failed (database unavailable), by step",
  incremental: true
})

/** Circuit breaker state per `target` (0 closed, 1 half-open, 2 open); targets beyond the label budget read "other". */
export const breakerState = Metric.gauge("switchboard_delivery_breaker_state", {
  description: "Circuit breaker state of a delivery target (0 closed, 1 half-open, 2 open), by target"
})

/** Due rows rescheduled (not attempted, no attempt spent) because their target's breaker was open, by `target`. */
export const breakerPostponed = Metric.counter("switchboard_delivery_breaker_postponed_total", {
  description: "Due deliveries rescheduled without an attempt because the target's circuit breaker was open, by target",
  incremental: true
})

/** Claimed rows of paused targets parked without an attempt (they wait for the resume), by `target`. */
export const deliveriesParked = Metric.counter("switchboard_delivery_parked_total", {
  description: "Due deliveries parked without an attempt because their target is paused, by target",
  incremental: true
})
