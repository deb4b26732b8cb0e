/**
 * HTTP/1.1 over a raw socket, for the cases fetch cannot show: a request whose head announces a
 * large body of which only a first part is ever sent (so an answer proves the hub did not wait for,
 * or read, the rest), and a chunked body streamed until the hub answers.
 */
import { Effect } from "effect"
import * as Net from "node:net"

export interface RawAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** Body bytes the client had sent when the answer was complete. */
  readonly sent: number
}

/** The longest a raw exchange may go unanswered before the test fails (instead of hanging). */
const NO_ANSWER = "30 seconds"

const parse = (data: Buffer): RawAnswer | undefined => {
  const end = data.indexOf("\r\n\r\n")
  if (end === -1) return undefined
  const [statusLine = "", ...lines] = data.subarray(0, end).toString("latin1").split("\r\n")
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const length = Number(headers["content-length"] ?? 0)
  const body = data.subarray(end + 4)
  if (body.length < length) return undefined
  return { status: Number(statusLine.split(" ")[1]), headers, body: body.subarray(0, length).toString("utf8"), sent: 0 }
}

const exchange = (
  url: string,
  head: string,
  pump: (socket: Net.Socket, answered: () => boolean, sent: (n: number) => void) => void
) =>
  Effect.async<RawAnswer, Error>((resume) => {
    const { hostname, port } = new URL(url)
    const socket = Net.connect(Number(port), hostname)
    let received = Buffer.alloc(0)
    let done = false
    let sent = 0
    const finish = (result: Effect.Effect<RawAnswer, Error>) => {
      if (done) return
      done = true
      socket.destroy()
      resume(result)
    }
    socket.on("data", (data) => {
      received = Buffer.concat([received, data])
      const answer = parse(received)
      if (answer !== undefined) finish(Effect.succeed({ ...answer, sent }))
    })
    socket.on("error", (e) => finish(Effect.fail(new Error(`socket failed before a whole answer: ${e.message}`))))
    socket.on("close", () => finish(Effect.fail(new Error(`connection closed before a whole answer: ${received.toString("latin1").slice(0, 200)}`))))
    socket.on("connect", () => {
      socket.write(head)
      pump(socket, () => done, (n) => void (sent += n))
    })
    return Effect.sync(() => socket.destroy())
  }).pipe(Effect.timeoutFail({ duration: NO_ANSWER, onTimeout: () => new Error(`no answer within ${NO_ANSWER}`) }))

const headLines = (method: string, path: string, host: string, headers: Readonly<Record<string, string>>) =>
  `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`

/**
 * Announces a body of `declared` bytes (Content-Length), sends only `first`, and waits for the answer:
 * the rest is never sent, so an answer means the hub decided without reading the body.
 */
export const withheldBody = (
  url: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  declared: number,
  first: Buffer
) =>
  exchange(url, headLines("POST", path, new URL(url).host, { ...headers, "content-length": String(declared) }), (socket, _, sent) => {
    socket.write(first)
    sent(first.length)
  })

/** Announces a chunked body, sends one chunk of `first` and waits: the body is never finished. */
export const withheldChunked = (url: string, path: string, headers: Readonly<Record<string, string>>, first: Buffer) =>
  exchange(url, headLines("POST", path, new URL(url).host, { ...headers, "transfer-encoding": "chunked" }), (socket, _, sent) => {
    socket.write(`${first.length.toString(16)}\r\n`)
    socket.write(first)
    socket.write("\r\n")
    sent(first.length)
  })

/** Streams a chunked body of up to `size` bytes, stopping as soon as the hub answers. */
export const streamedChunked = (url: string, path: string, headers: Readonly<Record<string, string>>, size: number) =>
  exchange(url, headLines("POST", path, new URL(url).host, { ...headers, "transfer-encoding": "chunked" }), (socket, answered, sent) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")])
    let total = 0
    const pump = (): void => {
      while (!answered() && total < size) {
        total += chunk.length
        sent(chunk.length)
        if (!socket.write(frame)) return void socket.once("drain", pump)
      }
      if (!answered()) socket.write("0\r\n\r\n")
    }
    pump()
  })

/** A JSON body of an answer (the tests know the shapes they assert on). */
export const jsonOf = (answer: RawAnswer): unknown => JSON.parse(answer.body)
