/** Rules the two RPC routes share at the HTTP edge: body caps, and answering before the body is read. */
import { type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { MAX_ENVELOPE_BYTES } from "../domain/Envelope.js"
import { PayloadTooLarge, RETRY_AFTER_UNAVAILABLE_S } from "../domain/Errors.js"
import { MAX_BATCH } from "../domain/IngestAnswer.js"
import { jsonBytes } from "../domain/Text.js"
import { hasBody } from "../http/Body.js"
import { MAX_BATCH_BODY_BYTES } from "../http/Handlers.js"
import { MAX_HEARTBEAT_BYTES } from "../stats/Handlers.js"
import type { Principal } from "../domain/Principal.js"
import type { IngestService } from "../../services/Ingest.js"

/** The largest legitimate body is one IngestBatch of 500 envelopes: the REST batch cap (32 MiB). */
export const MAX_RPC_BODY_BYTES = MAX_BATCH_BODY_BYTES

/** Calls in one JSON-RPC batch, and messages in one NDJSON body. */
export const MAX_CALLS_PER_BODY = MAX_BATCH

/**
 * A refusal sent before the body was read (401, 503, a declared 413) closes the connection, so Node
 * does not go on to read and discard the rest of a body nobody wants.
 */
export const refusedUnread = (
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
): HttpServerResponse.HttpServerResponse => {
  const withRetry = response.status === 503
    ? HttpServerResponse.setHeader(response, "retry-after", String(RETRY_AFTER_UNAVAILABLE_S))
    : response
  return hasBody(request) ? HttpServerResponse.setHeader(withRetry, "connection", "close") : withRetry
}

/**
 * A 413: by Content-Length the body was never read and the connection closes (as on REST). A chunked
 * body was kept up to the cap only; Node discards the rest as it arrives (no memory) and the connection
 * stays open, so every client reads the 413, even one that reads only after sending everything, and
 * never a reset. (Only an authenticated client gets this far.)
 */
export const tooLarge = (
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
): HttpServerResponse.HttpServerResponse =>
  request.headers["content-length"] === undefined ? response : refusedUnread(request, response)

/** One call's limit, as on REST: an envelope 1 MiB, a heartbeat 64 KiB, a checkpoint key 4 KiB (a batch has the body cap). */
export const callLimits = { Ingest: MAX_ENVELOPE_BYTES, Heartbeat: MAX_HEARTBEAT_BYTES, GetCheckpoint: 4096 } as const

/** PayloadTooLarge when one call's document (measured as compact JSON) is over its limit. */
export const withinLimit = (value: unknown, limit: number, what: string): Effect.Effect<void, PayloadTooLarge> =>
  jsonBytes(value) > limit
    ? Effect.fail(new PayloadTooLarge({ message: `${what} is larger than the limit of ${limit} bytes`, limit_bytes: limit }))
    : Effect.void

/**
 * The `Ingest` call once its caller is known: the envelope's size limit, then the use case. The RPC
 * handler (Server.ts) and the one-call path (IngestFastPath.ts) both run exactly this.
 */
export const ingestOne = (ingest: IngestService, envelope: unknown, principal: Principal) =>
  Effect.zipRight(withinLimit(envelope, callLimits.Ingest, "the envelope"), ingest.accept(envelope, principal))
