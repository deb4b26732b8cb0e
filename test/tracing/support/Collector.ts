/**
 * A stand-in for an OpenTelemetry collector's OTLP/HTTP receiver: a real node:http server on port 0 that
 * takes `POST /v1/traces` (ExportTraceServiceRequest, JSON or protobuf) and answers as a collector does.
 * JSON bodies are decoded into spans; protobuf bodies are kept as bytes.
 */
import { Effect, Schema } from "effect"
import * as Http from "node:http"

const AnyValue = Schema.Struct({
  stringValue: Schema.optional(Schema.NullOr(Schema.String)),
  boolValue: Schema.optional(Schema.NullOr(Schema.Boolean)),
  intValue: Schema.optional(Schema.NullOr(Schema.Union(Schema.Number, Schema.String))),
  doubleValue: Schema.optional(Schema.NullOr(Schema.Number))
})
const KeyValue = Schema.Struct({ key: Schema.String, value: AnyValue })

const Span = Schema.Struct({
  traceId: Schema.String,
  spanId: Schema.String,
  parentSpanId: Schema.optional(Schema.String),
  name: Schema.String,
  kind: Schema.Number,
  attributes: Schema.Array(KeyValue),
  links: Schema.Array(Schema.Struct({ traceId: Schema.String, spanId: Schema.String, attributes: Schema.Array(KeyValue) }))
})

/** The parts of an ExportTraceServiceRequest (OTLP JSON encoding) the tests read. */
export const ExportTraceServiceRequest = Schema.Struct({
  resourceSpans: Schema.Array(Schema.Struct({
    resource: Schema.Struct({ attributes: Schema.Array(KeyValue) }),
    scopeSpans: Schema.Array(Schema.Struct({ spans: Schema.Array(Span) }))
  }))
})

/** One span as received, with its resource's service.name. */
export interface ReceivedSpan extends Schema.Schema.Type<typeof Span> {
  readonly service: string | undefined
}

/** One export request as received. */
export interface Export {
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: Buffer
}

export interface Collector {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  readonly url: string
  readonly exports: () => ReadonlyArray<Export>
  /** Every span of every JSON export so far. */
  readonly spans: () => ReadonlyArray<ReceivedSpan>
}

/** An attribute's value as a string (or undefined when absent). */
export const attribute = (span: { readonly attributes: ReadonlyArray<Schema.Schema.Type<typeof KeyValue>> }, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value
  if (v === undefined) return undefined
  const value = v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue
  return value === undefined || value === null ? undefined : String(value)
}

const decode = Schema.decodeUnknownSync(Schema.parseJson(ExportTraceServiceRequest))

const spansOf = (e: Export): ReadonlyArray<ReceivedSpan> => {
  if (e.headers["content-type"]?.startsWith("application/json") !== true) return []
  return decode(e.body.toString("utf8")).resourceSpans.flatMap((rs) => {
    const service = attribute(rs.resource, "service.name")
    return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ ...span, service })))
  })
}

/** How the collector answers: as a collector does, or never (a collector that hangs). */
export type Mode = "answer" | "hold"

/** Starts the collector in the current scope; it is closed with it. */
export const make = (mode: Mode = "answer") => Effect.acquireRelease(
  Effect.async<{ readonly server: Http.Server; readonly collector: Collector }>((resume) => {
    const exports: Array<Export> = []
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        if (req.method !== "POST" || req.url !== "/v1/traces") {
          res.writeHead(404).end()
          return
        }
        const received: Export = { path: req.url, headers: req.headers, body: Buffer.concat(chunks) }
        exports.push(received)
        if (mode === "hold") return
        const json = req.headers["content-type"]?.startsWith("application/json") === true
        res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" })
        res.end(json ? "{}" : "")
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({
        server,
        collector: {
          url: `http://127.0.0.1:${port}`,
          exports: () => [...exports],
          spans: () => exports.flatMap(spansOf)
        }
      }))
    })
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
).pipe(Effect.map(({ collector }) => collector))
