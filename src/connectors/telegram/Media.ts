/**
 * The one attachment of a Telegram message: `getFile`, download (Bot API limit 20 MB), images over
 * 5 MiB recompressed to at most 5 MiB, stored in the BlobStore. Any failure degrades: the message
 * goes in without the attachment and the returned `MediaUnavailable` is counted by the runtime.
 * Only a 429 or a refused token stops the batch (the whole batch is fetched again later).
 */
import { Effect, Either, Option, Ref } from "effect"
import type { Attachment } from "../../domain/Envelope.js"
import { BlobStore } from "../../../services/BlobStore.js"
import { MediaUnavailable, type SourceError } from "../../../services/SourceConnector.js"
import { MAX_DOWNLOAD_BYTES, TelegramApi, type TelegramError } from "../../../services/TelegramApi.js"
import { compressToLimit, isCompressible, MAX_IMAGE_BYTES, probe } from "./Compress.js"
import { stopsTheBatch, toSourceError } from "./Errors.js"
import type { Message } from "./Message.js"
import { type MediaKind, mediaOf, type MediaRef } from "./Normalize.js"

/** Why an attachment was dropped (the `reason` of MediaUnavailable, counted per reason). */
export type MediaFailure = "too_large" | "download_failed" | "compression_failed" | "storage_failed"

export interface MediaResult {
  readonly attachments: ReadonlyArray<Attachment>
  readonly degradations: ReadonlyArray<MediaUnavailable>
  /** getFile + download calls made. */
  readonly apiCalls: number
}

const defaultType: Record<MediaKind, string> = {
  photo: "image/jpeg",
  animation: "video/mp4",
  document: "application/octet-stream",
  voice: "audio/ogg",
  video: "video/mp4",
  audio: "audio/mpeg",
  sticker: "image/webp",
  video_note: "video/mp4"
}

const mediaTypeOf = ({ file, kind }: MediaRef) =>
  kind === "photo"
    ? "image/jpeg"
    : kind === "sticker" && file.is_animated === true
    ? "application/x-tgsticker"
    : kind === "sticker" && file.is_video === true
    ? "video/webm"
    : file.mime_type ?? defaultType[kind]

const positive = (n: number | undefined) => n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined

const degraded = (kind: MediaKind, reason: MediaFailure, message: string) =>
  new MediaUnavailable({ reason, message: `${kind} not attached: ${message}` })

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

/**
 * A Telegram failure while fetching media: stop the batch for 429 / bad token, else degrade. A 404 from the
 * file server after getFile succeeded with the same token means the file is gone (its path expired), not
 * that the token is wrong: that attachment degrades, polling goes on.
 */
const onTelegramError = (kind: MediaKind, step: string) =>
(error: TelegramError): Effect.Effect<never, SourceError | MediaUnavailable> => {
  const source = toSourceError(error)
  const fileGone = step === "download" && error._tag === "TelegramApiError" && error.error_code === 404
  if (stopsTheBatch(source) && !fileGone) return Effect.fail(source)
  if (fileGone) return Effect.fail(degraded(kind, "download_failed", "the file server no longer has it (404 after getFile)"))
  const tooBig = error._tag === "TelegramApiError" && /too big/i.test(error.description)
  return Effect.fail(
    degraded(kind, tooBig ? "too_large" : "download_failed", tooBig ? "over the Bot API's 20 MB limit" : `${step}: ${source.message}`)
  )
}

export const make = Effect.gen(function*() {
  const api = yield* TelegramApi
  const blobs = yield* BlobStore

  const fetchBytes = (ref: MediaRef, calls: Ref.Ref<number>) =>
    Effect.gen(function*() {
      yield* Ref.update(calls, (n) => n + 1)
      const file = yield* api.getFile(ref.file.file_id).pipe(Effect.catchAll(onTelegramError(ref.kind, "getFile")))
      if (file.file_path === undefined) {
        return yield* Effect.fail(degraded(ref.kind, "download_failed", "getFile answered without a file_path"))
      }
      yield* Ref.update(calls, (n) => n + 1)
      const bytes = yield* api.downloadFile(file.file_path, MAX_DOWNLOAD_BYTES).pipe(
        Effect.catchTag("TelegramFileTooLarge", (e) =>
          Effect.fail(degraded(ref.kind, "too_large", `${mb(e.size_bytes)} is over the Bot API's 20 MB limit`))),
        Effect.catchAll((e) => e._tag === "MediaUnavailable" ? Effect.fail(e) : onTelegramError(ref.kind, "download")(e))
      )
      return { bytes, filePath: file.file_path }
    })

  /** Images over 5 MiB become JPEGs of at most 5 MiB; dimensions always describe the stored bytes. */
  const prepare = (ref: MediaRef, bytes: Uint8Array, filePath: string) =>
    Effect.gen(function*() {
      const mediaType = mediaTypeOf(ref)
      const filename = ref.file.file_name ?? filePath.split("/").pop() ?? ref.kind
      if (isCompressible(mediaType) && bytes.length > MAX_IMAGE_BYTES) {
        const image = yield* compressToLimit(bytes).pipe(
          Effect.mapError((e) => degraded(ref.kind, "compression_failed", e.message))
        )
        return {
          bytes: image.bytes,
          mediaType: image.mediaType,
          filename: filename.replace(/(\.[^.]*)?$/, ".jpg"),
          width: image.width,
          height: image.height
        }
      }
      const known = { width: positive(ref.file.width), height: positive(ref.file.height) }
      const dims = isCompressible(mediaType) && (known.width === undefined || known.height === undefined)
        ? yield* probe(bytes).pipe(
          Effect.map((info) => ({ width: positive(info.width), height: positive(info.height) })),
          Effect.orElseSucceed(() => known)
        )
        : known
      return { bytes, mediaType, filename, ...dims }
    })

  const attachOne = (ref: MediaRef, calls: Ref.Ref<number>) =>
    Effect.gen(function*() {
      const declared = ref.file.file_size
      if (declared !== undefined && declared > MAX_DOWNLOAD_BYTES) {
        return yield* Effect.fail(
          degraded(ref.kind, "too_large", `${mb(declared)} is over the Bot API's 20 MB download limit`)
        )
      }
      const { bytes, filePath } = yield* fetchBytes(ref, calls)
      const prepared = yield* prepare(ref, bytes, filePath)
      const stored = yield* blobs.put(prepared.bytes).pipe(
        Effect.mapError((e) => degraded(ref.kind, "storage_failed", e.message))
      )
      const attachment: Attachment = {
        media_type: prepared.mediaType,
        storage_ref: stored.storageRef,
        size_bytes: stored.sizeBytes,
        filename: prepared.filename,
        sha256: stored.sha256,
        ...(prepared.width === undefined ? {} : { width: prepared.width }),
        ...(prepared.height === undefined ? {} : { height: prepared.height })
      }
      return attachment
    })

  /** The message's attachment, or why it was dropped; fails only with a batch-stopping source error. */
  const attach = (message: Message): Effect.Effect<MediaResult, SourceError> =>
    Option.match(mediaOf(message), {
      onNone: () => Effect.succeed<MediaResult>({ attachments: [], degradations: [], apiCalls: 0 }),
      onSome: (ref) =>
        Effect.gen(function*() {
          const calls = yield* Ref.make(0)
          const result = yield* attachOne(ref, calls).pipe(
            Effect.map(Either.right),
            Effect.catchIf(
              (e): e is MediaUnavailable => e._tag === "MediaUnavailable",
              (e) => Effect.succeed(Either.left(e))
            )
          )
          return {
            attachments: Either.isRight(result) ? [result.right] : [],
            degradations: Either.isLeft(result) ? [result.left] : [],
            apiCalls: yield* Ref.get(calls)
          }
        })
    })

  return { attach } as const
})

export type Media = Effect.Effect.Success<typeof make>
