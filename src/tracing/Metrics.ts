/** Tracing metrics, exported with every other Effect metric at `/metrics`; labels are fixed sets. */
import { Metric } from "effect"

/** Envelopes whose control.trace_context.traceparent was not a valid W3C traceparent (ignored: a fresh trace). */
export const traceContextInvalid = Metric.counter("switchboard_trace_context_invalid_total", {
  description: "Envelopes whose control.trace_context.traceparent is malformed (ignored; the hub starts a fresh trace)",
  incremental: true
})

/** OTLP export requests by `outcome`: ok, failed (an error answer, a network error or a timeout), dropped. */
export const exportRequests = Metric.counter("switchboard_trace_export_requests_total", {
  description: "OTLP/HTTP trace export requests by outcome (ok, failed, dropped: too many exports in flight)",
  incremental: true
})

/** The export counter for one outcome. */
export const exportOutcome = (outcome: "ok" | "failed" | "dropped") => Metric.tagged(exportRequests, "outcome", outcome)
