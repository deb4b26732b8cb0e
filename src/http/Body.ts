/**
 * Reads a JSON body with a size limit: a declared Content-Length over the limit is refused before
 * a byte is read, and a chunked body is cut off as soon as it passes the limit.
 */
import type { HttpServerRequest } from "@effect/platform"
import { Effect, Stream } from "effect"
import { PayloadTooLarge, ValidationError } from "../domain/Errors.js"

const tooLarge = (limit: number, what: string) =>
  new PayloadTooLarge({ message: `${what} is larger than the limit of ${limit} bytes`, limit_bytes: limit })

const bodyError = (message: string) => new ValidationError({ message, issues: [{ path: "(body)", message }] })

export const readJson = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.gen(function*() {
    const declared = request.headers["content-length"]
    if (declared !== undefined && Number(declared) > limit) return yield* tooLarge(limit, "the request body")
    const chunks: Array<Uint8Array> = []
    let size = 0
    yield* Stream.runForEach(request.stream, (chunk) => {
      size += chunk.byteLength
      if (size > limit) return Effect.fail(tooLarge(limit, "the request body"))
      chunks.push(chunk)
      return Effect.void
    }).pipe(
      Effect.catchTag("RequestError", () => Effect.fail(bodyError("the request body could not be read")))
    )
    const text = Buffer.concat(chunks).toString("utf8")
    if (text.trim() === "") return yield* bodyError("the request body is empty: expected a JSON document")
    return yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (e) => bodyError(`malformed JSON: ${e instanceof Error ? e.message : "parse error"}`)
    })
  })
