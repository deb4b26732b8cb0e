/**
 * Resource-connector metrics (issue 11), exported at `/metrics` with the rest (every metric of the
 * global registry is). Labels are bounded: `connector` is a registered connector id (the caller folds
 * unregistered or surplus ids into "other", see LabelBudget.ts), `outcome` one of OUTCOMES.
 */
import { Metric } from "effect"
import type { BreakerState } from "../../services/ConnectorOperations.js"

/** Breaker state per connector instance: 0 closed, 1 half-open, 2 open. */
export const breakerState = Metric.gauge("switchboard_connector_breaker_state", {
  description: "Circuit breaker state of a resource connector (0 closed, 1 half-open, 2 open), by connector"
})

/** Resource operations by `connector` and `outcome`. */
export const resourceCalls = Metric.counter("switchboard_connector_resource_calls_total", {
  description: "Resource operations on connectors by connector and outcome",
  incremental: true
})

/** Every outcome label value of resourceCalls. */
export const OUTCOMES = [
  "ok",
  "not_found",
  "conflict",
  "invalid",
  "not_connected",
  "unavailable",
  "breaker_open",
  "denied",
  "unknown_connector",
  "disabled",
  "load_failed",
  "registry_unavailable"
] as const
export type Outcome = (typeof OUTCOMES)[number]

export const STATE_VALUE: { readonly [S in BreakerState]: number } = { closed: 0, half_open: 1, open: 2 }

/** Tagging on every call costs more than updating: tagged metrics are built once per label set. */
const gauges = new Map<string, Metric.Metric.Gauge<number>>()
const counters = new Map<string, Metric.Metric.Counter<number>>()

export const breakerStateOf = (connector: string) => {
  let metric = gauges.get(connector)
  if (metric === undefined) {
    metric = Metric.tagged(breakerState, "connector", connector)
    gauges.set(connector, metric)
  }
  return metric
}

export const resourceCallsOf = (connector: string, outcome: Outcome) => {
  const key = `${connector}\u0000${outcome}`
  let metric = counters.get(key)
  if (metric === undefined) {
    metric = Metric.tagged(Metric.tagged(resourceCalls, "connector", connector), "outcome", outcome)
    counters.set(key, metric)
  }
  return metric
}
