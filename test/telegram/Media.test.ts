import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, Redacted, Schema } from "effect"
import * as MemoryBlobStore from "../../layers/BlobStore/MemoryBlobStore.js"
import * as HttpTelegramApi from "../../layers/TelegramApi/HttpTelegramApi.js"
import { MAX_IMAGE_BYTES, probe } from "../../src/connectors/telegram/Compress.js"
import * as Media from "../../src/connectors/telegram/Media.js"
import { Message } from "../../src/connectors/telegram/Message.js"
import { BlobStore, BlobStoreFailed } from "../../services/BlobStore.js"
import * as FakeTelegram from "../support/FakeTelegram.js"
import { noiseJpeg } from "../support/Images.js"

const TOKEN = "42:media-test-token"

const message = (extra: object) =>
  Schema.decodeUnknownSync(Message)({ message_id: 1, date: 1_700_000_000, chat: { id: 5, type: "private" }, ...extra })

const photo = (fileId: string, width: number, height: number, size?: number) => ({
  file_id: fileId,
  file_unique_id: `u-${fileId}`,
  width,
  height,
  ...(size === undefined ? {} : { file_size: size })
})

/** Media over the real HTTP client against a fresh fake Bot API, with the given blob store. */
const withMedia = <A, E>(
  f: (media: Media.Media, fake: FakeTelegram.FakeTelegramServer) => Effect.Effect<A, E, BlobStore>,
  blobs: Layer.Layer<BlobStore> = MemoryBlobStore.layer
) =>
  Effect.scoped(Effect.gen(function*() {
    const fake = yield* FakeTelegram.make(TOKEN)
    return yield* Effect.flatMap(Media.make, (media) => f(media, fake)).pipe(
      Effect.provide(Layer.mergeAll(
        HttpTelegramApi.layer({
          baseUrl: fake.url,
          token: Redacted.make(TOKEN),
          requestTimeout: Duration.seconds(10),
          downloadTimeout: Duration.seconds(20)
        }).pipe(Layer.provide(NodeHttpClient.layerUndici)),
        blobs
      ))
    )
  }))

describe("Telegram media", () => {
  it.live("a photo is its largest size, stored by hash, described by Telegram's dimensions", () =>
    withMedia((media, fake) =>
      Effect.gen(function*() {
        const small = yield* noiseJpeg(90, 60)
        const large = yield* noiseJpeg(900, 600)
        fake.addFile("small", small, "photos/file_1.jpg")
        fake.addFile("large", large, "photos/file_2.jpg")
        const result = yield* media.attach(message({ photo: [photo("small", 90, 60), photo("large", 900, 600)] }))
        assert.deepStrictEqual(result.degradations, [])
        assert.strictEqual(result.apiCalls, 2)
        const [attachment] = result.attachments
        assert.strictEqual(attachment?.media_type, "image/jpeg")
        assert.strictEqual(attachment?.size_bytes, large.length)
        assert.deepStrictEqual([attachment?.width, attachment?.height, attachment?.filename], [900, 600, "file_2.jpg"])
        assert.match(attachment?.storage_ref ?? "", /^memory:\/\/sha256\/[0-9a-f]{64}$/)
        const stored = yield* Effect.flatMap(BlobStore, (b) => b.get(attachment!.storage_ref))
        assert.deepStrictEqual(stored, new Uint8Array(large))
      })
    ))

  it.live("a photo over 5 MiB is stored recompressed, and its dimensions describe the stored file", () =>
    withMedia((media, fake) =>
      Effect.gen(function*() {
        const big = yield* noiseJpeg(3000, 2500)
        assert.isAbove(big.length, MAX_IMAGE_BYTES)
        fake.addFile("big", big, "photos/file_9.jpg")
        const result = yield* media.attach(message({ photo: [photo("big", 3000, 2500, big.length)], caption: "hi" }))
        const attachment = result.attachments[0]!
        assert.isAtMost(attachment.size_bytes, MAX_IMAGE_BYTES)
        const stored = yield* Effect.flatMap(BlobStore, (b) => b.get(attachment.storage_ref))
        const info = yield* probe(stored)
        assert.deepStrictEqual([info.format, info.width, info.height], ["jpeg", attachment.width, attachment.height])
        assert.strictEqual(stored.length, attachment.size_bytes)
      })
    ), 60_000)

  it.live("a document keeps its name and MIME type; voice, sticker and video notes get theirs", () =>
    withMedia((media, fake) =>
      Effect.gen(function*() {
        fake.addFile("doc", new TextEncoder().encode("%PDF-1.4"), "documents/file_3.pdf")
        fake.addFile("voice", new Uint8Array([1, 2, 3]), "voice/file_4.oga")
        fake.addFile("sticker", new Uint8Array([4, 5]), "stickers/file_5.tgs")
        const doc = yield* media.attach(
          message({ document: { file_id: "doc", file_name: "Testfile.pdf", mime_type: "application/pdf" } })
        )
        assert.deepStrictEqual(
          [doc.attachments[0]?.filename, doc.attachments[0]?.media_type],
          ["Testfile.pdf", "application/pdf"]
        )
        const voice = yield* media.attach(message({ voice: { file_id: "voice", duration: 1 } }))
        assert.strictEqual(voice.attachments[0]?.media_type, "audio/ogg")
        const sticker = yield* media.attach(
          message({ sticker: { file_id: "sticker", width: 512, height: 512, is_animated: true, emoji: "😡" } })
        )
        assert.strictEqual(sticker.attachments[0]?.media_type, "application/x-tgsticker")
      })
    ))

  it.live("over the 20 MB Bot API limit: no download, no attachment, counted as too_large", () =>
    withMedia((media, fake) =>
      Effect.gen(function*() {
        const declared = yield* media.attach(message({ video: { file_id: "v", file_size: 35 * 1024 * 1024 } }))
        assert.deepStrictEqual([declared.attachments, declared.apiCalls], [[], 0])
        assert.strictEqual(declared.degradations[0]?.reason, "too_large")
        fake.addFile("huge", new Uint8Array(21 * 1024 * 1024), "videos/file_6.mp4")
        const refused = yield* media.attach(message({ video: { file_id: "huge" } }))
        assert.strictEqual(refused.degradations[0]?.reason, "too_large")
        assert.strictEqual(fake.calls.get("downloadFile"), undefined)
      })
    ))

  it.live("download, decode and storage failures degrade with their reason; 429 stops the batch", () =>
    Effect.gen(function*() {
      const failures = yield* withMedia((media, fake) =>
        Effect.gen(function*() {
          const missing = yield* media.attach(message({ document: { file_id: "unknown" } }))
          fake.addFile("broken", new Uint8Array(6 * 1024 * 1024).fill(1), "photos/broken.jpg")
          const broken = yield* media.attach(message({ photo: [photo("broken", 4000, 3000)] }))
          fake.inject("getFile", {
            status: 429,
            body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: 3 } }
          })
          const limited = yield* Effect.either(media.attach(message({ document: { file_id: "broken" } })))
          return { missing, broken, limited }
        })
      )
      assert.strictEqual(failures.missing.degradations[0]?.reason, "download_failed")
      assert.strictEqual(failures.broken.degradations[0]?.reason, "compression_failed")
      assert.isTrue(Either.isLeft(failures.limited) && failures.limited.left._tag === "SourceRateLimited")
      const failingStore = Layer.succeed(BlobStore, {
        put: () => Effect.fail(new BlobStoreFailed({ message: "disk full" })),
        get: () => Effect.die("unused"),
        has: () => Effect.die("unused")
      })
      const storage = yield* withMedia((media, fake) => {
        fake.addFile("doc", new Uint8Array([1]), "documents/a.bin")
        return media.attach(message({ document: { file_id: "doc" } }))
      }, failingStore)
      assert.strictEqual(storage.degradations[0]?.reason, "storage_failed")
      assert.include(storage.degradations[0]?.message ?? "", "disk full")
    }))
})
