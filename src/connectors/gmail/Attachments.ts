/**
 * The attachments of one mail: each candidate (Mime.ts) is fetched with `attachments.get` (or taken
 * inline), held to its kind's limit (Limits.ts; images over 5 MiB recompressed with the shared
 * compressor), stored in the BlobStore and listed for the envelope. A declared size over a limit
 * is never downloaded. Every failure degrades to a `MediaUnavailable` with a fixed reason and the
 * mail is ingested without that attachment; only refused credentials and rate limits fail the call
 * (the connector stops or retries the batch).
 */
import { Duration, Effect, Either, Schedule } from "effect"
import { BlobStore } from "../../../services/BlobStore.js"
import { type GmailApiError, type GmailAuthFailed, GmailApi, type GmailError } from "../../../services/GmailApi.js"
import { MediaUnavailable } from "../../../services/SourceConnector.js"
import { type Attachment, MAX_ATTACHMENTS } from "../../domain/Envelope.js"
import { compressToLimit, isCompressible, MAX_IMAGE_BYTES, probe } from "../telegram/Compress.js"
import { base64UrlBytes } from "./Decode.js"
import { downloadLimit, MAX_MESSAGE_ATTACHMENT_BYTES, mediaTypeOf, storedEstimate } from "./Limits.js"
import type { AttachmentCandidate } from "./Parsed.js"

/** Why an attachment was dropped (the `reason` of MediaUnavailable, a metric label). */
export type AttachmentFailure =
  | "too_large"
  | "message_limit"
  | "too_many"
  | "download_failed"
  | "compression_failed"
  | "storage_failed"

export interface AttachmentsResult {
  readonly attachments: ReadonlyArray<Attachment>
  readonly degradations: ReadonlyArray<MediaUnavailable>
  /** `attachments.get` calls made. */
  readonly apiCalls: number
}

/** Errors of `attachments.get` that stop the batch instead of dropping one attachment. */
export type StopsTheBatch = GmailAuthFailed | GmailApiError

const RATE_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "RESOURCE_EXHAUSTED"])

export const stopsTheBatch = (error: GmailError): error is StopsTheBatch =>
  error._tag === "GmailAuthFailed" ||
  (error._tag === "GmailApiError" &&
    (error.status === 429 || error.status === 401 || (error.status === 403 && RATE_REASONS.has(error.reason ?? ""))))

/** Retries of a transient attachments.get failure: 0.5 s, then 1 s. */
export const TRANSIENT_RETRY = Schedule.exponential(Duration.millis(500)).pipe(Schedule.intersect(Schedule.recurs(2)))

const isTransient = (e: GmailError): boolean =>
  (e._tag === "GmailApiError" && e.status >= 500) || (e._tag === "GmailHttpError" && e.reason !== "Decode")

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

const degraded = (c: AttachmentCandidate, mediaType: string, reason: AttachmentFailure, why: string) =>
  new MediaUnavailable({ reason, message: `part ${c.partId === "" ? "?" : c.partId} (${mediaType}) not attached: ${why}` })

const jpgName = (filename: string) => filename === "" ? "" : filename.replace(/(\.[^.]*)?$/, ".jpg")

const positive = (n: number | undefined) => n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined

export const make = Effect.gen(function*() {
  const api = yield* GmailApi
  const blobs = yield* BlobStore

  const download = (
    messageId: string,
    c: AttachmentCandidate,
    mediaType: string,
    count: (n: number) => void
  ): Effect.Effect<Uint8Array, MediaUnavailable | StopsTheBatch> => {
    if (c.inlineData !== undefined) return Effect.succeed(c.inlineData)
    const attachmentId = c.attachmentId
    if (attachmentId === undefined) {
      return Effect.fail(degraded(c, mediaType, "download_failed", "the part has neither data nor an attachmentId"))
    }
    return Effect.suspend(() => {
      count(1)
      return api.getAttachment(messageId, attachmentId)
    }).pipe(
      // a 5xx or a dropped connection is retried a little before the attachment is given up
      Effect.retry({ schedule: TRANSIENT_RETRY, while: isTransient }),
      Effect.map((body) => base64UrlBytes(body.data)),
      Effect.catchAll((e): Effect.Effect<never, MediaUnavailable | StopsTheBatch> =>
        stopsTheBatch(e) ? Effect.fail(e) : Effect.fail(degraded(c, mediaType, "download_failed", e.message))
      )
    )
  }

  /** The bytes to store: recompressed when an image is over 5 MiB; dimensions of stored images when readable. */
  const prepare = (c: AttachmentCandidate, mediaType: string, bytes: Uint8Array) =>
    Effect.gen(function*() {
      if (isCompressible(mediaType) && bytes.length > MAX_IMAGE_BYTES) {
        const image = yield* compressToLimit(bytes).pipe(
          Effect.mapError((e) => degraded(c, mediaType, "compression_failed", e.message))
        )
        return { bytes: image.bytes, mediaType: image.mediaType, filename: jpgName(c.filename), width: image.width, height: image.height }
      }
      const dims = isCompressible(mediaType)
        ? yield* probe(bytes).pipe(
          Effect.map((info) => ({ width: positive(info.width), height: positive(info.height) })),
          Effect.orElseSucceed(() => ({ width: undefined, height: undefined }))
        )
        : { width: undefined, height: undefined }
      return { bytes, mediaType, filename: c.filename, ...dims }
    })

  const attachOne = (messageId: string, c: AttachmentCandidate, usedBytes: number, count: (n: number) => void) =>
    Effect.gen(function*() {
      const mediaType = mediaTypeOf(c.mimeType, c.filename)
      const limit = downloadLimit(mediaType)
      const overBudget = (n: number) => usedBytes + n > MAX_MESSAGE_ATTACHMENT_BYTES
      const budgetMessage = (n: number) =>
        `${mb(n)} would take the mail's attachments over ${mb(MAX_MESSAGE_ATTACHMENT_BYTES)} (${mb(usedBytes)} stored)`
      if (c.declaredSize > limit) {
        return yield* Effect.fail(degraded(c, mediaType, "too_large", `${mb(c.declaredSize)} is over the ${mb(limit)} limit`))
      }
      if (overBudget(storedEstimate(mediaType, c.declaredSize))) {
        return yield* Effect.fail(degraded(c, mediaType, "message_limit", budgetMessage(c.declaredSize)))
      }
      const bytes = yield* download(messageId, c, mediaType, count)
      if (bytes.length > limit) {
        return yield* Effect.fail(degraded(c, mediaType, "too_large", `${mb(bytes.length)} is over the ${mb(limit)} limit`))
      }
      const prepared = yield* prepare(c, mediaType, bytes)
      if (overBudget(prepared.bytes.length)) {
        return yield* Effect.fail(degraded(c, mediaType, "message_limit", budgetMessage(prepared.bytes.length)))
      }
      const stored = yield* blobs.put(prepared.bytes).pipe(
        Effect.mapError((e) => degraded(c, mediaType, "storage_failed", e.message))
      )
      const attachment: Attachment = {
        media_type: prepared.mediaType,
        storage_ref: stored.storageRef,
        size_bytes: stored.sizeBytes,
        sha256: stored.sha256,
        ...(prepared.filename === "" ? {} : { filename: prepared.filename }),
        ...(prepared.width === undefined ? {} : { width: prepared.width }),
        ...(prepared.height === undefined ? {} : { height: prepared.height })
      }
      return attachment
    })

  /** Every candidate in part order (the per-message budget is spent in that order). */
  const attach = (
    messageId: string,
    candidates: ReadonlyArray<AttachmentCandidate>
  ): Effect.Effect<AttachmentsResult, StopsTheBatch> =>
    Effect.gen(function*() {
      const attachments: Array<Attachment> = []
      const degradations: Array<MediaUnavailable> = []
      let apiCalls = 0
      let usedBytes = 0
      let extra = 0
      for (const c of candidates) {
        if (attachments.length === MAX_ATTACHMENTS) {
          extra++
          continue
        }
        const result = yield* attachOne(messageId, c, usedBytes, (n) => (apiCalls += n)).pipe(
          Effect.map(Either.right),
          Effect.catchIf((e): e is MediaUnavailable => e._tag === "MediaUnavailable", (e) => Effect.succeed(Either.left(e)))
        )
        if (Either.isRight(result)) {
          attachments.push(result.right)
          usedBytes += result.right.size_bytes
        } else {
          degradations.push(result.left)
        }
      }
      if (extra > 0) {
        degradations.push(new MediaUnavailable({
          reason: "too_many" satisfies AttachmentFailure,
          message: `${extra} more attachment(s) not attached: at most ${MAX_ATTACHMENTS} per mail`
        }))
      }
      return { attachments, degradations, apiCalls }
    })

  return { attach } as const
})

export type Attachments = Effect.Effect.Success<typeof make>
