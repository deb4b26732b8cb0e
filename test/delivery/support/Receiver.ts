/** A real local HTTP webhook receiver (node:http on port 0) that records requests and answers as told. */
import { Effect } from "effect"
import * as Http from "node:http"

export interface Received {
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
  /** Wall time of arrival, ms. */
  readonly at: number
}

/** How to answer a request: a status (with headers/body, maybe late), or "hold" to never answer. */
export type Reply =
  | {
    readonly status: number
    readonly headers?: Record<string, string>
    readonly body?: string
    /** Answer after this many milliseconds. */
    readonly delayMs?: number
  }
  | "hold"

export interface Receiver {
  readonly url: string
  /** Everything received so far, in arrival order. */
  readonly received: () => ReadonlyArray<Received>
  /** Replaces the answering rule; `n` counts requests so far (0 for the first). */
  readonly answer: (rule: (request: Received, n: number) => Reply) => void
}

export const ok: Reply = { status: 204 }

export const make = (rule: (request: Received, n: number) => Reply = () => ok) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Http.Server; readonly receiver: Receiver }>((resume) => {
      const received: Array<Received> = []
      let current = rule
      const server = Http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          const request: Received = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() }
          const reply = current(request, received.length)
          received.push(request)
          if (reply === "hold") return
          setTimeout(() => {
            res.writeHead(reply.status, reply.headers ?? {})
            res.end(reply.body ?? "")
          }, reply.delayMs ?? 0)
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({
          server,
          receiver: {
            url: `http://127.0.0.1:${port}/hook`,
            received: () => [...received],
            answer: (next) => {
              current = next
            }
          }
        }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ receiver }) => receiver))

/** The parsed JSON body of a delivery. */
export const json = (r: Received): { readonly data: Record<string, Record<string, unknown>> } =>
  JSON.parse(r.body) as { readonly data: Record<string, Record<string, unknown>> }

export const header = (r: Received, name: string): string => {
  const v = r.headers[name]
  return typeof v === "string" ? v : ""
}
