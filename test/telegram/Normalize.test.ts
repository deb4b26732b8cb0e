import { assert, describe, it } from "@effect/vitest"
import { Either, Option } from "effect"
import * as Path from "node:path"
import * as Fs from "node:fs"
import { validateEnvelope } from "../../src/ingest/Validate.js"
import * as Normalize from "../../src/connectors/telegram/Normalize.js"
import type { IngestEnvelopeInput } from "../../src/domain/Envelope.js"
import type { Update } from "../../services/TelegramApi.js"
import { files, nonMessageResults, updates } from "./TelegramCorpus.js"

/** What every corpus file must become: its normalized_text, or the reason it is skipped. */
const expected: Record<string, string | { readonly skip: Normalize.SkipReason }> = {
  "aiogram2_message_animation_object.json": "[Animation]",
  "aiogram2_message_video_note.json": "[Video message]",
  "aiogram2_message_voice.json": "[Voice message]",
  "api_forwardMessage_response.json": "Bold text",
  "api_sendAnimation_response.json": "Строковое значение",
  "api_sendAudio_response.json": "Строковое значение",
  "api_sendDocument_response.json": "Строковое значение",
  "message_forward_origin_chat_anonymous_admin.json": "text",
  "message_photo_caption.json": "www.example.com",
  "message_photo_caption_above_media.json": "El Psy Kongroo",
  "message_sticker_animated.json": "[Sticker: 😡]",
  "message_sticker_video_supergroup.json": "[Sticker: 🤖]",
  "message_video.json": "[Video]",
  "official_webhooks_audio.json": "[Audio: Test music file]",
  "official_webhooks_callback_query.json": { skip: "unsupported_kind" },
  "official_webhooks_document.json": "[Document: Testfile.pdf]",
  "official_webhooks_edited.json": "Edited text",
  "official_webhooks_entities.json": "Bold and italics",
  "official_webhooks_forwarded.json": "/start",
  "official_webhooks_forwarded_channel.json": "/start",
  "official_webhooks_reply.json": "/start",
  "official_webhooks_text.json": "/start",
  "official_webhooks_voice.json": "[Voice message]",
  "update_callback_query.json": { skip: "unsupported_kind" },
  "update_channel_post_pinned_message.json": "[Pinned message]",
  "update_channel_post_text.json": "test",
  "update_edited_message.json": "/start",
  "update_message_dice_supergroup.json": "[Dice: 🎲 2]",
  "update_message_photo_media_group.json": "[Photo]",
  "update_message_reply_forum_topic.json": "[Topic renamed: NewTestTitle]",
  "update_message_reply_supergroup.json": "/report",
  "update_message_text.json": "hello there",
  "update_message_text_cyrillic.json": "just text",
  "update_message_video_forwarded.json": "[Video]"
}

describe("Telegram normalization over the whole corpus", () => {
  it("covers every file of the corpus", () => {
    const covered = new Set([...updates.map((u) => u.file), ...nonMessageResults])
    assert.deepStrictEqual(files.filter((f) => !covered.has(f)), [])
    assert.deepStrictEqual(Object.keys(expected).sort(), updates.map((u) => u.file).sort())
  })

  for (const { file, update } of updates) {
    it(`${file}: ${JSON.stringify(expected[file])}`, () => {
      const want = expected[file]
      const result = Normalize.normalize("support_bot", update)
      if (typeof want === "object") {
        assert.isTrue(Either.isLeft(result), "must be skipped")
        if (Either.isLeft(result)) {
          assert.strictEqual(result.left.reason, want.skip)
          assert.strictEqual(result.left.detail, "callback_query")
          assert.strictEqual(result.left.update_id, update.update_id)
        }
        return
      }
      assert.isTrue(Either.isRight(result), JSON.stringify(Either.isLeft(result) ? result.left : null))
      if (Either.isLeft(result)) return
      const envelope = result.right
      const valid = validateEnvelope(envelope)
      assert.isTrue(Either.isRight(valid), Either.isLeft(valid) ? valid.left.message : "")
      assert.strictEqual(envelope.payload.normalized_text, want)
      assert.strictEqual(envelope.event.external_event_id, String(update.update_id))
      assert.strictEqual(envelope.control?.idempotency_key, `telegram:support_bot:${update.update_id}`)
      assert.strictEqual(envelope.payload.raw, update)
      assert.match(envelope.event.observed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    })
  }
})

describe("Telegram field mapping", () => {
  const byFile = (file: string) => updates.find((u) => u.file === file)!.update
  const envelopeOf = (file: string) => Either.getOrThrow(Normalize.normalize("support_bot", byFile(file)))

  it("matches the hand-normalized envelopes of test/fixtures/envelopes (raw is the update)", () => {
    const dir = Path.resolve(import.meta.dirname, "../fixtures/envelopes")
    // telegram_update_channel_post_text.json says sender "None" (a Python artifact): the chat is the sender.
    for (const file of Fs.readdirSync(dir).filter((f) => f.startsWith("telegram_") && !f.includes("channel_post"))) {
      const fixture = JSON.parse(Fs.readFileSync(Path.join(dir, file), "utf8")) as IngestEnvelopeInput & {
        payload: { raw: Update }
      }
      assert.deepStrictEqual(Normalize.normalize("support_bot", fixture.payload.raw), Either.right(fixture), file)
    }
  })

  it("edits are observed at edit_date, thread is the chat, sender is from.id", () => {
    const envelope = envelopeOf("official_webhooks_edited.json")
    assert.strictEqual(envelope.event.observed_at, "2015-09-07T17:23:20Z")
    assert.strictEqual(envelope.event.external_thread_id, "1111111")
    assert.strictEqual(envelope.sender.identity, "1111111")
  })

  it("a message sent on behalf of a chat has the chat as sender (not the placeholder bot in from)", () => {
    assert.strictEqual(envelopeOf("message_forward_origin_chat_anonymous_admin.json").sender.identity, "-1001160242915")
    assert.strictEqual(envelopeOf("update_channel_post_pinned_message.json").sender.identity, "-1001893407333")
    assert.strictEqual(envelopeOf("update_channel_post_text.json").sender.identity, "123")
  })

  it("labels contacts and polls", () => {
    const base = { message_id: 1, date: 1_700_000_000, chat: { id: 5, type: "private" }, from: { id: 7 } }
    const text = (extra: object) =>
      Either.getOrThrow(Normalize.normalize("b", { update_id: 1, message: { ...base, ...extra } })).payload.normalized_text
    assert.strictEqual(text({ contact: { phone_number: "+1", first_name: "Ada", last_name: "Lovelace" } }), "[Contact: Ada Lovelace]")
    assert.strictEqual(text({ poll: { id: "p", question: "Lunch?", options: [] } }), "[Poll: Lunch?]")
    assert.strictEqual(text({ location: { latitude: 1.5, longitude: 2 } }), "[Location: 1.5, 2]")
    assert.strictEqual(text({ photo: [], caption: "  " }), "[Unsupported message]")
  })

  it("a message that cannot be read is skipped as malformed, naming the failing field", () => {
    const result = Normalize.normalize("b", { update_id: 9, message: { message_id: 1, chat: { id: 5 } } })
    assert.isTrue(Either.isLeft(result))
    if (Either.isLeft(result)) {
      assert.strictEqual(result.left.reason, "malformed")
      assert.include(result.left.detail, "date")
    }
  })

  it("picks the largest photo size and prefers animation over its duplicate document", () => {
    const photo = Normalize.parse(byFile("update_message_photo_media_group.json")).pipe(Either.getOrThrow)
    const media = Option.getOrThrow(Normalize.mediaOf(photo.message))
    assert.strictEqual(media.kind, "photo")
    assert.strictEqual(media.file.width, 721)
    const gif = Normalize.parse(byFile("api_sendAnimation_response.json")).pipe(Either.getOrThrow)
    assert.strictEqual(Option.getOrThrow(Normalize.mediaOf(gif.message)).kind, "animation")
    const text = Normalize.parse(byFile("update_message_text.json")).pipe(Either.getOrThrow)
    assert.isTrue(Option.isNone(Normalize.mediaOf(text.message)))
  })
})
