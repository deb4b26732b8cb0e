/**
 * Outbound action metrics (issue 10), exported at `/metrics` with the rest. Labels are bounded sets:
 * `action` one of the five names (or "unknown"), `outcome` the log status or error code, `connector`
 * one of the five connectors.
 */
import { Metric, MetricBoundaries } from "effect"

/** Action calls by `action` and `outcome` (sent, created, appended, replayed, or the error code). */
export const calls = Metric.counter("switchboard_action_calls_total", {
  description: "Outbound action calls by action and outcome",
  incremental: true
})

/** One provider attempt, by `connector`, in seconds (retries are separate attempts). */
export const providerLatency = Metric.histogram(
  "switchboard_action_provider_latency_seconds",
  MetricBoundaries.exponential({ start: 0.002, factor: 2, count: 14 }),
  "Duration of one attempt at an action provider, by connector, in seconds"
)

/** Provider attempts retried (429, 5xx, network), by `connector`. */
export const providerRetries = Metric.counter("switchboard_action_provider_retries_total", {
  description: "Attempts at an action provider that were retried, by connector",
  incremental: true
})

/** Calls refused because the caller's plan allows no more today, by `action`. */
export const quotaRejections = Metric.counter("switchboard_action_quota_rejections_total", {
  description: "Action calls refused by the caller's daily quota, by action",
  incremental: true
})

/** Tagging a metric on every call costs more than updating it: tagged metrics are built once per label set. */
const cache = new Map<string, Metric.Metric.Counter<number>>()

const cached = (key: string, make: () => Metric.Metric.Counter<number>) => {
  let metric = cache.get(key)
  if (metric === undefined) {
    metric = make()
    cache.set(key, metric)
  }
  return metric
}

/** `calls` tagged by action and outcome (both from bounded sets). */
export const callsOf = (action: string, outcome: string) =>
  cached(`calls\u0000${action}\u0000${outcome}`, () => Metric.tagged(Metric.tagged(calls, "action", action), "outcome", outcome))

/** `quotaRejections` tagged by action. */
export const quotaRejectionsOf = (action: string) =>
  cached(`quota\u0000${action}`, () => Metric.tagged(quotaRejections, "action", action))

/** `providerRetries` tagged by connector. */
export const providerRetriesOf = (connector: string) =>
  cached(`retries\u0000${connector}`, () => Metric.tagged(providerRetries, "connector", connector))
