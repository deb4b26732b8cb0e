import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Either, Layer } from "effect"
import sharp from "sharp"
import * as MemoryBlobStore from "../../../layers/BlobStore/MemoryBlobStore.js"
import * as Attachments from "../../../src/connectors/gmail/Attachments.js"
import { KIND_LIMITS, MAX_MESSAGE_ATTACHMENT_BYTES } from "../../../src/connectors/gmail/Limits.js"
import * as Mime from "../../../src/connectors/gmail/Mime.js"
import * as Normalize from "../../../src/connectors/gmail/Normalize.js"
import type { AttachmentCandidate } from "../../../src/connectors/gmail/Parsed.js"
import { MAX_IMAGE_BYTES, probe } from "../../../src/connectors/telegram/Compress.js"
import { MAX_ATTACHMENTS } from "../../../src/domain/Envelope.js"
import { validateEnvelope } from "../../../src/ingest/Validate.js"
import { BlobStore, BlobStoreFailed } from "../../../services/BlobStore.js"
import {
  type AttachmentBody,
  GmailApi,
  GmailApiError,
  GmailAuthFailed,
  type GmailError,
  GmailHttpError
} from "../../../services/GmailApi.js"
import { noiseJpeg } from "../../support/Images.js"
import * as Corpus from "./Corpus.js"

const MiB = 1024 * 1024
const MESSAGE_ID = "1926aae406722332"

type Answer = Uint8Array | AttachmentBody | GmailError

/** A GmailApi whose `attachments.get` answers from `answers` (by attachmentId) and records every call. */
const stubGmail = (answers: Record<string, Answer>, calls: Array<string>) =>
  Layer.succeed(GmailApi, {
    getProfile: Effect.die("unused"),
    listHistory: () => Effect.die("unused"),
    getMessage: () => Effect.die("unused"),
    getAttachment: (messageId, attachmentId) => {
      calls.push(`${messageId}/${attachmentId}`)
      const answer = answers[attachmentId]
      if (answer === undefined) {
        return Effect.fail(new GmailApiError({ method: "attachments.get", status: 404, reason: "NOT_FOUND", detail: "Requested entity was not found." }))
      }
      if (answer instanceof Uint8Array) {
        return Effect.succeed({ size: answer.length, data: Buffer.from(answer).toString("base64url") })
      }
      return "_tag" in answer ? Effect.fail(answer) : Effect.succeed(answer)
    },
    listMessages: () => Effect.die("unused"),
    watch: () => Effect.die("unused"),
    stop: Effect.die("unused"),
    counters: Effect.succeed({ oauth_refreshes: 0, oauth_refresh_failures: 0, rate_limited: 0 })
  })

/** Runs `attach` against the stub and the given blob store; returns the result and the calls made. */
const attach = (
  candidates: ReadonlyArray<AttachmentCandidate>,
  answers: Record<string, Answer> = {},
  blobs: Layer.Layer<BlobStore> = MemoryBlobStore.layer
) => {
  const calls: Array<string> = []
  return Effect.gen(function*() {
    const attachments = yield* Attachments.make
    const result = yield* Effect.either(attachments.attach(MESSAGE_ID, candidates))
    const stored = yield* BlobStore
    return { result, calls, blobs: stored }
  }).pipe(Effect.provide(Layer.merge(stubGmail(answers, calls), blobs)))
}

const ok = <A, E>(either: Either.Either<A, E>): A => {
  assert.isTrue(Either.isRight(either), Either.isLeft(either) ? String(either.left) : "")
  return Either.getOrThrow(either)
}

const candidate = (partId: string, mimeType: string, declaredSize: number, filename = ""): AttachmentCandidate => ({
  partId,
  attachmentId: `att-${partId}`,
  filename,
  mimeType,
  declaredSize
})

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill)

describe("Gmail attachments", () => {
  it.effect("the recorded attachments.get answer (standard base64, padded) is decoded and stored by hash", () =>
    Effect.gen(function*() {
      const body = Corpus.attachmentBody()
      const { blobs, calls, result } = yield* attach([candidate("1", "text/plain", body.size, "test.txt")], { "att-1": body })
      const { apiCalls, attachments, degradations } = ok(result)
      assert.deepStrictEqual([apiCalls, degradations, calls], [1, [], [`${MESSAGE_ID}/att-1`]])
      const [a] = attachments
      assert.deepStrictEqual([a?.media_type, a?.filename, a?.size_bytes], ["text/plain", "test.txt", 43])
      assert.match(a?.storage_ref ?? "", /^memory:\/\/sha256\/[0-9a-f]{64}$/)
      assert.strictEqual(Buffer.from(yield* blobs.get(a!.storage_ref)).toString(), "This is a test file\n\nThis file has content\n")
    }))

  it.live("a corpus mail's two PNG parts are fetched, stored with their dimensions and listed in a valid envelope", () =>
    Effect.gen(function*() {
      const message = Corpus.gmailMessage("messages.get_full_mixed_two_png_attachments.json")
      const parsed = Mime.parseFull(message)
      const [first, second] = parsed.attachments
      const png = (width: number, height: number) =>
        Effect.promise(() => sharp({ create: { width, height, channels: 3, background: "#336699" } }).png().toBuffer())
      const answers = { [first!.attachmentId!]: new Uint8Array(yield* png(40, 30)), [second!.attachmentId!]: new Uint8Array(yield* png(8, 6)) }
      const { result } = yield* attach(parsed.attachments, answers)
      const { apiCalls, attachments, degradations } = ok(result)
      assert.deepStrictEqual([apiCalls, degradations.length], [2, 0])
      assert.deepStrictEqual(
        attachments.map((a) => [a.filename, a.media_type, a.width, a.height]),
        [["img.PNG", "image/png", 40, 30], ["imageee.PNG", "image/png", 8, 6]]
      )
      const envelope = Normalize.toEnvelope("gmail:user:hassanwari254@gmail.com", message, parsed, attachments)
      assert.isTrue(Either.isRight(validateEnvelope(envelope)))
      assert.deepStrictEqual(envelope.payload.attachments, attachments)
    }))

  it.effect("a declared size over its kind's limit is never downloaded (too_large)", () =>
    Effect.gen(function*() {
      const over = [
        candidate("pdf", "application/pdf", KIND_LIMITS.pdf + 1),
        candidate("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", KIND_LIMITS.office + 1),
        candidate("ics", "text/calendar", KIND_LIMITS.calendar + 1),
        candidate("ics-by-name", "application/octet-stream", KIND_LIMITS.calendar + 1, "invite.ics"),
        candidate("zip", "application/zip", KIND_LIMITS.other + 1),
        candidate("gif", "image/gif", MAX_IMAGE_BYTES + 1),
        candidate("jpeg", "image/jpeg", MAX_MESSAGE_ATTACHMENT_BYTES + 1)
      ]
      const { calls, result } = yield* attach(over)
      const { apiCalls, attachments, degradations } = ok(result)
      assert.deepStrictEqual([apiCalls, calls, attachments], [0, [], []])
      assert.deepStrictEqual(degradations.map((d) => d.reason), over.map(() => "too_large"))
      assert.include(degradations[0]!.message, "part pdf (application/pdf) not attached: 15.0 MB is over the 15.0 MB limit")
      assert.include(degradations[3]!.message, "(text/calendar)")
    }))

  it.effect("each kind up to its limit is stored; bytes bigger than declared are caught after the download", () =>
    Effect.gen(function*() {
      const { result } = yield* attach(
        [
          candidate("pdf", "application/pdf", KIND_LIMITS.pdf),
          candidate("ics", "application/octet-stream", 100, "invite.ics"),
          candidate("liar", "text/calendar", 100)
        ],
        { "att-pdf": bytes(KIND_LIMITS.pdf), "att-ics": bytes(100), "att-liar": bytes(KIND_LIMITS.calendar + 1) }
      )
      const { apiCalls, attachments, degradations } = ok(result)
      assert.strictEqual(apiCalls, 3)
      assert.deepStrictEqual(attachments.map((a) => [a.media_type, a.size_bytes]), [["application/pdf", KIND_LIMITS.pdf], [
        "text/calendar",
        100
      ]])
      assert.deepStrictEqual(degradations.map((d) => d.reason), ["too_large"])
      assert.include(degradations[0]!.message, "part liar")
    }))

  it.effect("25 MiB per mail: once the budget is spent, later parts are skipped without a download (message_limit)", () =>
    Effect.gen(function*() {
      const ten = 10 * MiB
      const { calls, result } = yield* attach(
        [candidate("a", "application/pdf", ten), candidate("b", "application/pdf", ten), candidate("c", "application/pdf", ten), candidate("d", "text/plain", 5)],
        { "att-a": bytes(ten, 1), "att-b": bytes(ten, 2), "att-c": bytes(ten, 3), "att-d": bytes(5) }
      )
      const { apiCalls, attachments, degradations } = ok(result)
      assert.deepStrictEqual(calls, [`${MESSAGE_ID}/att-a`, `${MESSAGE_ID}/att-b`, `${MESSAGE_ID}/att-d`])
      assert.strictEqual(apiCalls, 3)
      assert.deepStrictEqual(attachments.map((a) => a.size_bytes), [ten, ten, 5])
      assert.deepStrictEqual(degradations.map((d) => d.reason), ["message_limit"])
      assert.include(degradations[0]!.message, "part c")
    }))

  it.effect("a failing download degrades that part only; auth and rate-limit failures fail the whole call", () =>
    Effect.gen(function*() {
      const decodeError = new GmailHttpError({ method: "attachments.get", reason: "Decode", detail: "not JSON" })
      const degraded = ok((yield* attach(
        [candidate("gone", "application/pdf", 10), candidate("bad", "application/pdf", 10), candidate("fine", "application/pdf", 3)],
        { "att-bad": decodeError, "att-fine": bytes(3) }
      )).result)
      assert.deepStrictEqual(degraded.degradations.map((d) => d.reason), ["download_failed", "download_failed"])
      assert.include(degraded.degradations[0]!.message, "answered 404")
      assert.deepStrictEqual([degraded.attachments.length, degraded.apiCalls], [1, 3])

      const stops: ReadonlyArray<GmailError> = [
        new GmailAuthFailed({ reason: "invalid_grant", detail: "Token has been expired or revoked." }),
        new GmailApiError({ method: "attachments.get", status: 429, detail: "slow down", retryAfter: Duration.seconds(3) }),
        new GmailApiError({ method: "attachments.get", status: 403, reason: "userRateLimitExceeded", detail: "quota" })
      ]
      for (const error of stops) {
        const { result } = yield* attach([candidate("x", "application/pdf", 10), candidate("y", "application/pdf", 3)], {
          "att-x": error,
          "att-y": bytes(3)
        })
        assert.isTrue(Either.isLeft(result) && result.left === error, error._tag)
      }
    }))

  it.effect("a failing blob store degrades as storage_failed", () =>
    Effect.gen(function*() {
      const failing = Layer.succeed(BlobStore, {
        put: () => Effect.fail(new BlobStoreFailed({ message: "disk full" })),
        get: () => Effect.die("unused"),
        has: () => Effect.die("unused")
      })
      const { apiCalls, attachments, degradations } = ok((yield* attach([candidate("p", "application/pdf", 3)], { "att-p": bytes(3) }, failing)).result)
      assert.deepStrictEqual([apiCalls, attachments], [1, []])
      assert.deepStrictEqual(degradations.map((d) => d.reason), ["storage_failed"])
      assert.include(degradations[0]!.message, "disk full")
    }))

  it.effect("inline parts (raw messages) need no call; beyond 32 attachments the rest is one too_many", () =>
    Effect.gen(function*() {
      const inline = Array.from({ length: MAX_ATTACHMENTS + 8 }, (_, i): AttachmentCandidate => ({
        partId: `raw.${i}`,
        inlineData: Uint8Array.of(i),
        filename: `f${i}.txt`,
        mimeType: "text/plain",
        declaredSize: 1
      }))
      const { calls, result } = yield* attach(inline)
      const { apiCalls, attachments, degradations } = ok(result)
      assert.deepStrictEqual([apiCalls, calls.length, attachments.length], [0, 0, MAX_ATTACHMENTS])
      assert.deepStrictEqual(degradations.map((d) => [d.reason, d.message]), [["too_many", "8 more attachment(s) not attached: at most 32 per mail"]])
    }))

  it.effect("an eml's GIF goes from parseRaw to a stored attachment", () =>
    Effect.gen(function*() {
      const parsed = yield* Mime.parseRaw(Corpus.emlMessage("python-stdlib_msg_13.eml").raw!)
      const { apiCalls, attachments } = ok((yield* attach(parsed.attachments)).result)
      assert.deepStrictEqual([apiCalls, attachments[0]?.filename, attachments[0]?.media_type, attachments[0]?.size_bytes], [
        0,
        "dingusfish.gif",
        "image/gif",
        3512
      ])
    }))

  it.live("an image over 5 MiB is stored recompressed as a JPEG of at most 5 MiB; an undecodable one degrades", () =>
    Effect.gen(function*() {
      const big = yield* noiseJpeg(3000, 2500)
      assert.isAbove(big.length, MAX_IMAGE_BYTES)
      const { blobs, result } = yield* attach(
        [candidate("photo", "image/jpeg", big.length, "IMG_0001.JPEG"), candidate("junk", "image/png", 6 * MiB, "junk.png")],
        { "att-photo": new Uint8Array(big), "att-junk": bytes(6 * MiB) }
      )
      const { attachments, degradations } = ok(result)
      const a = attachments[0]!
      assert.isAtMost(a.size_bytes, MAX_IMAGE_BYTES)
      assert.deepStrictEqual([a.media_type, a.filename], ["image/jpeg", "IMG_0001.jpg"])
      const info = yield* probe(yield* blobs.get(a.storage_ref))
      assert.deepStrictEqual([info.format, info.width, info.height], ["jpeg", a.width, a.height])
      assert.deepStrictEqual(degradations.map((d) => d.reason), ["compression_failed"])
    }), 120_000)
})

describe("Gmail attachments, transient failures", () => {
  it.live("a 5xx is retried before the part is given up: one failure then success stores it, three failures degrade it", () =>
    Effect.gen(function*() {
      const failures = new Map<string, number>([["att-flaky", 1], ["att-down", 99]])
      const calls: Array<string> = []
      const flaky = Layer.succeed(GmailApi, {
        ...Context.get(yield* Layer.build(stubGmail({}, [])).pipe(Effect.scoped), GmailApi),
        getAttachment: (_messageId: string, attachmentId: string) => {
          calls.push(attachmentId)
          const left = failures.get(attachmentId) ?? 0
          failures.set(attachmentId, left - 1)
          return left > 0
            ? Effect.fail(new GmailApiError({ method: "attachments.get", status: 503, detail: "backend error" }))
            : Effect.succeed({ size: 3, data: Buffer.from(bytes(3)).toString("base64url") })
        }
      })
      const result = yield* Effect.flatMap(Attachments.make, (a) =>
        a.attach(MESSAGE_ID, [candidate("flaky", "application/pdf", 3), candidate("down", "application/pdf", 3)])).pipe(
        Effect.provide(Layer.merge(flaky, MemoryBlobStore.layer))
      )
      assert.strictEqual(result.attachments.length, 1)
      assert.deepStrictEqual(result.degradations.map((d) => d.reason), ["download_failed"])
      assert.deepStrictEqual(calls, ["att-flaky", "att-flaky", "att-down", "att-down", "att-down"])
      assert.strictEqual(result.apiCalls, 5, "every attempt is an API call")
    }))
})
