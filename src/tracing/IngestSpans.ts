/**
 * How the hub's ingest spans join the sender's trace. A single envelope's span continues the trace named by
 * its `control.trace_context.traceparent` and links the request's own span (HTTP or RPC, which may belong to
 * another trace); a batch's span keeps the request as its parent and links each envelope's trace. A malformed
 * traceparent is ignored (a fresh trace) and counted, never an error.
 */
import { Effect, FiberRef, Metric, Option, type Tracer } from "effect"
import { MAX_BATCH } from "../domain/IngestAnswer.js"
import { traceContextInvalid } from "./Metrics.js"
import * as TraceContext from "./TraceContext.js"

/** Most links on one span (OpenTelemetry's default span limit). */
export const MAX_LINKS = 128

const link = (span: Tracer.AnySpan, role: string): Tracer.SpanLink => ({ _tag: "SpanLink", span, attributes: { "switchboard.link": role } })

/** The request's span, when an exporter records it. */
const requestSpan = Effect.map(Effect.option(Effect.currentParentSpan), Option.filter(TraceContext.isRecorded))

/** Span options of the span that ingests `input` (an unvalidated envelope). */
export const forEnvelope = (input: unknown): Effect.Effect<Tracer.SpanOptions> => {
  const read = TraceContext.ofEnvelope(input)
  switch (read._tag) {
    case "Absent":
      return Effect.succeed({ captureStackTrace: false })
    case "Invalid":
      return Effect.as(Metric.increment(traceContextInvalid), { captureStackTrace: false })
    case "Valid":
      return Effect.map(requestSpan, (request) => ({
        captureStackTrace: false,
        parent: TraceContext.toExternalSpan(read.parent),
        links: Option.match(request, { onNone: () => [], onSome: (span) => [link(span, "request")] })
      }))
  }
}

/**
 * Span options of the span that ingests a batch: a link per distinct envelope parent (at most MAX_LINKS).
 * Only the first MAX_BATCH inputs are read: a longer batch is refused whole.
 */
export const forBatch = (inputs: ReadonlyArray<unknown>): Effect.Effect<Tracer.SpanOptions> => {
  const parents = new Map<string, TraceContext.TraceParent>()
  let invalid = 0
  for (const input of inputs.slice(0, MAX_BATCH)) {
    const read = TraceContext.ofEnvelope(input)
    if (read._tag === "Invalid") invalid++
    else if (read._tag === "Valid" && parents.size < MAX_LINKS) parents.set(read.parent.spanId, read.parent)
  }
  const links = [...parents.values()].map((p) => link(TraceContext.toExternalSpan(p), "envelope"))
  const options: Tracer.SpanOptions = { captureStackTrace: false, links }
  return invalid === 0 ? Effect.succeed(options) : Effect.as(Metric.incrementBy(traceContextInvalid, invalid), options)
}

/**
 * Span options of a group commit storing the rows of `callers` (their ingest spans): a child of the first
 * caller's span (a lone submission's trace shows its insert), linked to the others.
 */
export const forGroup = (callers: ReadonlyArray<Option.Option<Tracer.AnySpan>>, rows: number): Tracer.SpanOptions => {
  const recorded = callers.flatMap((c) => (Option.isSome(c) && TraceContext.isRecorded(c.value) ? [c.value] : []))
  const [first, ...rest] = recorded
  return {
    captureStackTrace: false,
    attributes: { "switchboard.rows": rows },
    ...(first === undefined ? { root: true } : { parent: first }),
    links: rest.slice(0, MAX_LINKS).map((span) => link(span, "caller"))
  }
}

/** The caller's current span, for `forGroup` (none when this process does not export spans). */
export const callerSpan: Effect.Effect<Option.Option<Tracer.AnySpan>> = Effect.flatMap(
  FiberRef.get(TraceContext.exporting),
  (on) => (on ? Effect.option(Effect.currentParentSpan) : Effect.succeedNone)
)

/**
 * `Effect.withSpan(effect, name, options)` when this process exports spans, else `effect` alone: a span
 * nobody records still costs an object and a copy of the context on every call of the hot path (issue 14).
 */
export const withSpan = <A, E, R>(effect: Effect.Effect<A, E, R>, name: string, options: Tracer.SpanOptions): Effect.Effect<A, E, R> =>
  Effect.flatMap(FiberRef.get(TraceContext.exporting), (on) => (on ? Effect.withSpan(effect, name, options) : effect))
