/**
 * Which spans reach the exporter, and under which parent:
 * - a parent without W3C ids is no parent: a connector whose tracer is off still sends its RPC calls with
 *   the span ids "noop" (and a b3 header may carry 64-bit ids OTLP cannot hold); such a span starts a trace;
 * - a span under a parent that did not sample (a caller's traceparent with flags 00) is not exported,
 *   as W3C Trace Context asks, and neither is anything under it;
 * - a database query that is not part of any operation (`sql.*` with no parent: the delivery claimer, the
 *   router refresh, the depth sampler, polling several times a second) is not exported either.
 * Everything else goes to the wrapped tracer.
 */
import { Option, Tracer } from "effect"
import type { Context, Exit } from "effect"
import { randomBytes } from "node:crypto"
import { hasW3cIds } from "../../src/tracing/TraceContext.js"

const hex = (bytes: number): string => randomBytes(bytes).toString("hex")

/** A span that is never exported: it keeps its trace id (its children stay in the trace) and records nothing. */
class UnsampledSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly sampled = false
  readonly traceId: string
  readonly spanId = hex(8)
  readonly attributes = new Map<string, unknown>()
  readonly links: ReadonlyArray<Tracer.SpanLink> = []
  status: Tracer.SpanStatus

  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.traceId = Option.isSome(parent) ? parent.value.traceId : hex(16)
    this.status = { _tag: "Started", startTime }
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }

  attribute(): void {}
  event(): void {}
  addLinks(): void {}
}

/** Whether a span named `name` under `parent` is exported. */
export const keeps = (name: string, parent: Option.Option<Tracer.AnySpan>): boolean =>
  Option.isSome(parent) ? parent.value.sampled : !name.startsWith("sql.")

/** The parent a span is traced under: none when it has no W3C ids. */
export const usableParent = (parent: Option.Option<Tracer.AnySpan>): Option.Option<Tracer.AnySpan> => Option.filter(parent, hasW3cIds)

/** `tracer` behind the rules above. */
export const wrap = (tracer: Tracer.Tracer): Tracer.Tracer =>
  Tracer.make({
    span: (name, given, context, links, startTime, kind, options) => {
      const parent = usableParent(given)
      return keeps(name, parent)
        ? tracer.span(name, parent, context, links.filter((l) => hasW3cIds(l.span)), startTime, kind, options)
        : new UnsampledSpan(name, parent, context, startTime, kind)
    },
    context: (f, fiber) => tracer.context(f, fiber)
  })
