/**
 * Reads a JSON body with a size limit: a declared Content-Length over the limit is refused before
 * a byte is read; a chunked body stops being kept once it passes the limit.
 */
import type { HttpServerRequest } from "@effect/platform"
import { Effect, Stream } from "effect"
import { PayloadTooLarge, ValidationError } from "../domain/Errors.js"

const tooLarge = (limit: number, what: string) =>
  new PayloadTooLarge({ message: `${what} is larger than the limit of ${limit} bytes`, limit_bytes: limit })

const bodyError = (message: string) => new ValidationError({ message, issues: [{ path: "(body)", message }] })

/**
 * How much of an oversized chunked body is read and discarded before the connection is dropped:
 * draining lets the client read the 413 (cutting the stream resets the socket under it).
 */
const DRAIN_BYTES = 16 * 1024 * 1024

export const readJson = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.gen(function*() {
    const declared = request.headers["content-length"]
    if (declared !== undefined && Number(declared) > limit) return yield* tooLarge(limit, "the request body")
    const text = declared !== undefined
      ? yield* request.arrayBuffer.pipe(
        Effect.map((buffer) => Buffer.from(buffer).toString("utf8")),
        Effect.catchTag("RequestError", () => Effect.fail(bodyError("the request body could not be read")))
      )
      : yield* readChunked(request, limit)
    if (text.trim() === "") return yield* bodyError("the request body is empty: expected a JSON document")
    return yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (e) => bodyError(`malformed JSON: ${e instanceof Error ? e.message : "parse error"}`)
    })
  })

/** A body without Content-Length: kept up to the limit, then drained (up to DRAIN_BYTES more) and refused. */
const readChunked = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.gen(function*() {
    const chunks: Array<Uint8Array> = []
    let size = 0
    yield* Stream.runForEach(request.stream, (chunk) => {
      size += chunk.byteLength
      if (size > limit + DRAIN_BYTES) return Effect.fail(tooLarge(limit, "the request body"))
      if (size <= limit) chunks.push(chunk)
      return Effect.void
    }).pipe(
      Effect.catchTag("RequestError", () => Effect.fail(bodyError("the request body could not be read")))
    )
    if (size > limit) return yield* tooLarge(limit, "the request body")
    return Buffer.concat(chunks).toString("utf8")
  })
