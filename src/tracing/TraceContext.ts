/**
 * W3C Trace Context as an envelope carries it: `control.trace_context` is a JSON object whose `traceparent`
 * (and optional `tracestate`) keys follow https://www.w3.org/TR/trace-context/. Read strictly with
 * OpenTelemetry's own parser: a malformed traceparent is ignored (the hub starts a fresh trace), never an error.
 */
import { parseTraceParent, TraceState } from "@opentelemetry/core"
import { Effect, FiberRef, Option, Tracer } from "effect"
import { globalValue } from "effect/GlobalValue"
import type { IngestEnvelopeInput } from "../domain/Envelope.js"

/** A valid W3C parent: the caller's trace, its span, whether it sampled, and its vendors' tracestate. */
export interface TraceParent {
  readonly traceId: string
  readonly spanId: string
  readonly sampled: boolean
  readonly tracestate: string | undefined
}

/** What a trace_context holds: no traceparent at all, one that is not valid, or a valid parent. */
export type Read =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Invalid" }
  | { readonly _tag: "Valid"; readonly parent: TraceParent }

const absent: Read = { _tag: "Absent" }
const invalid: Read = { _tag: "Invalid" }

/** Longer than any traceparent of a version we could parse; checked before the regular expression runs. */
const MAX_TRACEPARENT_CHARS = 256
/** The W3C limit on a tracestate value. */
const MAX_TRACESTATE_CHARS = 512

const isObject = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const tracestateOf = (value: unknown): string | undefined => {
  if (typeof value !== "string" || value.length > MAX_TRACESTATE_CHARS) return undefined
  // TraceState drops members that break the grammar and keeps at most 32.
  const serialized = new TraceState(value).serialize()
  return serialized === "" ? undefined : serialized
}

/** Reads a trace_context value (unvalidated input: anything). */
export const read = (traceContext: unknown): Read => {
  if (!isObject(traceContext) || !("traceparent" in traceContext)) return absent
  const raw = traceContext["traceparent"]
  if (typeof raw !== "string" || raw.length > MAX_TRACEPARENT_CHARS) return invalid
  const parsed = parseTraceParent(raw)
  if (parsed === null) return invalid
  return {
    _tag: "Valid",
    parent: {
      traceId: parsed.traceId,
      spanId: parsed.spanId,
      sampled: (parsed.traceFlags & 1) === 1,
      tracestate: tracestateOf(traceContext["tracestate"])
    }
  }
}

/** Reads `control.trace_context` of an envelope that has not been validated yet. */
export const ofEnvelope = (input: unknown): Read =>
  isObject(input) && isObject(input["control"]) ? read(input["control"]["trace_context"]) : absent

/** The parent as a span Effect can continue. */
export const toExternalSpan = (parent: TraceParent): Tracer.ExternalSpan =>
  Tracer.externalSpan({ traceId: parent.traceId, spanId: parent.spanId, sampled: parent.sampled })

/** The `traceparent` value (version 00) naming `span` as the parent. */
export const format = (span: { readonly traceId: string; readonly spanId: string; readonly sampled: boolean }): string =>
  `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

const TRACE_ID = /^(?!0{32}$)[0-9a-f]{32}$/
const SPAN_ID = /^(?!0{16}$)[0-9a-f]{16}$/

/** A span with W3C ids (the disabled tracer's spans, and the RPC messages of a client with one, say "noop"). */
export const hasW3cIds = (span: Tracer.AnySpan): boolean => TRACE_ID.test(span.traceId) && SPAN_ID.test(span.spanId)

/** A sampled span with W3C ids. */
export const isRecorded = (span: Tracer.AnySpan): boolean => span.sampled && hasW3cIds(span)

/**
 * Whether this process exports its spans (set by the OTLP tracing layer). Effect's native tracer makes
 * spans with W3C ids too, but nobody sees them: they are never named to others.
 */
export const exporting: FiberRef.FiberRef<boolean> = globalValue(
  Symbol.for("switchboard/tracing/exporting"),
  () => FiberRef.unsafeMake(false)
)

/** The current span when this process exports it. */
export const currentRecorded: Effect.Effect<Option.Option<Tracer.Span>> = Effect.flatMap(
  FiberRef.get(exporting),
  (on) => (on ? Effect.map(Effect.option(Effect.currentSpan), Option.filter(isRecorded)) : Effect.succeedNone)
)

/** `envelope` with `control.trace_context.traceparent` naming `span`, unless it carries a trace_context already. */
export const stampWith = (envelope: IngestEnvelopeInput, span: Option.Option<Tracer.Span>): IngestEnvelopeInput =>
  Option.isNone(span) || envelope.control?.trace_context !== undefined
    ? envelope
    : { ...envelope, control: { ...envelope.control, trace_context: { traceparent: format(span.value) } } }

/**
 * The envelope a connector submits, stamped with its current span when this process exports spans,
 * so the hub's ingest span and the deliveries join the connector's trace. Nothing changes when tracing is off.
 */
export const stamp = (envelope: IngestEnvelopeInput): Effect.Effect<IngestEnvelopeInput> =>
  Effect.map(currentRecorded, (span) => stampWith(envelope, span))

/** Many envelopes stamped with one span (a batch submission). */
export const stampAll = (envelopes: ReadonlyArray<IngestEnvelopeInput>): Effect.Effect<ReadonlyArray<IngestEnvelopeInput>> =>
  Effect.map(currentRecorded, (span) => envelopes.map((e) => stampWith(e, span)))
