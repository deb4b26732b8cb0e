/**
 * What spans never carry to a collector: query strings. The HTTP server and client spans record
 * `url.query` and `url.full`, and a query can hold an operator's console search (message text) or an OAuth
 * callback's code; the path is kept, the query is not. Header values are redacted by name elsewhere
 * (OtlpTracing's redacted header names).
 */
import { Tracer } from "effect"
import type { Context, Exit, Option } from "effect"

const withoutQuery = (url: string): string => {
  const cut = url.search(/[?#]/)
  return cut === -1 ? url : url.slice(0, cut)
}

/** A span that forwards everything to `inner` except query strings. */
class ScrubbedSpan implements Tracer.Span {
  readonly _tag = "Span"

  constructor(readonly inner: Tracer.Span) {}

  get name(): string {
    return this.inner.name
  }
  get spanId(): string {
    return this.inner.spanId
  }
  get traceId(): string {
    return this.inner.traceId
  }
  get parent(): Option.Option<Tracer.AnySpan> {
    return this.inner.parent
  }
  get context(): Context.Context<never> {
    return this.inner.context
  }
  get status(): Tracer.SpanStatus {
    return this.inner.status
  }
  get attributes(): ReadonlyMap<string, unknown> {
    return this.inner.attributes
  }
  get links(): ReadonlyArray<Tracer.SpanLink> {
    return this.inner.links
  }
  get sampled(): boolean {
    return this.inner.sampled
  }
  get kind(): Tracer.SpanKind {
    return this.inner.kind
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.inner.end(endTime, exit)
  }

  attribute(key: string, value: unknown): void {
    if (key === "url.query") return
    this.inner.attribute(key, key === "url.full" && typeof value === "string" ? withoutQuery(value) : value)
  }

  event(name: string, startTime: bigint, attributes?: Record<string, unknown>): void {
    this.inner.event(name, startTime, attributes)
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.inner.addLinks(links)
  }
}

/** `tracer` whose spans drop query strings. */
export const wrap = (tracer: Tracer.Tracer): Tracer.Tracer =>
  Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) =>
      new ScrubbedSpan(tracer.span(name, parent, context, links, startTime, kind, options)),
    context: (f, fiber) => tracer.context(f, fiber)
  })
