/**
 * Reads a request body with a size limit: a declared Content-Length over the limit is refused before
 * a byte is read; a chunked body is refused as soon as it passes the limit. `readBytes` is the raw
 * bounded read (used by the RPC routes), `readJson` parses it for the REST routes.
 */
import type { HttpServerRequest } from "@effect/platform"
import { NodeHttpServerRequest, NodeStream } from "@effect/platform-node"
import { Effect, Option, Stream } from "effect"
import { Readable } from "node:stream"
import { PayloadTooLarge, ValidationError } from "../domain/Errors.js"

const tooLarge = (limit: number, what: string) =>
  new PayloadTooLarge({ message: `${what} is larger than the limit of ${limit} bytes`, limit_bytes: limit })

const bodyError = (message: string) => new ValidationError({ message, issues: [{ path: "(body)", message }] })

/** The 413 for a request whose declared Content-Length is over the limit, decided without reading the body. */
export const declaredTooLarge = (
  request: HttpServerRequest.HttpServerRequest,
  limit: number
): Option.Option<PayloadTooLarge> => {
  const declared = request.headers["content-length"]
  return declared !== undefined && Number(declared) > limit
    ? Option.some(tooLarge(limit, "the request body"))
    : Option.none()
}

/** Does the request still have body bytes on the wire (declared non-empty, or chunked)? */
export const hasBody = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const declared = request.headers["content-length"]
  return declared === undefined ? request.headers["transfer-encoding"] !== undefined : Number(declared) > 0
}

/** The whole body as bytes, at most `limit` of them (PayloadTooLarge otherwise). */
export const readBytes = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.gen(function*() {
    const refused = declaredTooLarge(request, limit)
    if (Option.isSome(refused)) return yield* refused.value
    return request.headers["content-length"] !== undefined
      ? yield* request.arrayBuffer.pipe(
        Effect.map((buffer) => new Uint8Array(buffer)),
        Effect.catchTag("RequestError", () => Effect.fail(bodyError("the request body could not be read")))
      )
      : yield* readChunked(request, limit)
  })

export const readJson = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.gen(function*() {
    const text = Buffer.from(yield* readBytes(request, limit)).toString("utf8")
    if (text.trim() === "") return yield* bodyError("the request body is empty: expected a JSON document")
    return yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (e) => bodyError(`malformed JSON: ${e instanceof Error ? e.message : "parse error"}`)
    })
  })

/**
 * The body as a stream that does not destroy the request when it stops early: destroying it resets
 * the socket, and the client would never see the 413.
 */
const undestroyed = (request: HttpServerRequest.HttpServerRequest) => {
  const source: unknown = NodeHttpServerRequest.toIncomingMessage(request)
  return source instanceof Readable
    ? NodeStream.fromReadable(() => source, () => bodyError("the request body could not be read"), { closeOnDone: false })
    : Stream.mapError(request.stream, () => bodyError("the request body could not be read"))
}

/**
 * A body without Content-Length: kept up to the limit. Past it the 413 is answered at once and Node
 * discards the rest as it arrives (no memory, the connection stays usable), so the client reads the
 * 413 rather than a reset, even when it reads only after sending everything.
 */
const readChunked = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.gen(function*() {
    const chunks: Array<Uint8Array> = []
    let size = 0
    yield* Stream.runForEachWhile(undestroyed(request), (chunk) => {
      size += chunk.byteLength
      if (size > limit) return Effect.succeed(false)
      chunks.push(chunk)
      return Effect.succeed(true)
    })
    if (size > limit) {
      const source: unknown = NodeHttpServerRequest.toIncomingMessage(request)
      if (source instanceof Readable) source.resume()
      return yield* tooLarge(limit, "the request body")
    }
    return Buffer.concat(chunks) as Uint8Array
  })
