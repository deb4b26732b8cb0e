/**
 * Telegram update → `ingest.v1` envelope (pure). Message kinds are ingested; every other kind is a
 * `Skip` with a reason the caller counts. Media is resolved separately (Media.ts) and passed in.
 */
import { Either, Option, ParseResult, Schema } from "effect"
import type { Attachment, IngestEnvelopeInput } from "../../domain/Envelope.js"
import type { Update } from "../../../services/TelegramApi.js"
import { type FileRef, isEdit, Message, MESSAGE_KINDS, type MessageKind } from "./Message.js"

/** An update that carries a message the connector ingests. */
export interface Parsed {
  readonly update: Update
  readonly kind: MessageKind
  readonly message: Message
}

/** Why an update is not ingested: a kind the connector does not ingest, or a message it cannot read. */
export type SkipReason = "unsupported_kind" | "malformed"

export interface Skip {
  readonly update_id: number
  readonly reason: SkipReason
  /** The update kind, plus what was wrong for `malformed` (never message text). */
  readonly detail: string
}

export const MEDIA_KINDS = ["photo", "animation", "document", "voice", "video", "audio", "sticker", "video_note"] as const
export type MediaKind = (typeof MEDIA_KINDS)[number]

/** The one file of a message worth downloading (the largest size of a photo). */
export interface MediaRef {
  readonly kind: MediaKind
  readonly file: FileRef
}

const decodeMessage = Schema.decodeUnknownEither(Message)

/** The update's kind: its one key besides `update_id`. */
export const kindOf = (update: Update): string => Object.keys(update).find((k) => k !== "update_id") ?? "empty"

export const parse = (update: Update): Either.Either<Parsed, Skip> => {
  const kind = kindOf(update)
  const messageKind = MESSAGE_KINDS.find((k) => k === kind)
  if (messageKind === undefined) {
    return Either.left({ update_id: update.update_id, reason: "unsupported_kind", detail: kind })
  }
  return decodeMessage(update[messageKind]).pipe(
    Either.map((message) => ({ update, kind: messageKind, message })),
    Either.mapLeft((error) => ({
      update_id: update.update_id,
      reason: "malformed",
      detail: `${kind}: ${
        ParseResult.ArrayFormatter.formatErrorSync(error).slice(0, 3).map((i) => `${i.path.join(".")} ${i._tag}`)
          .join("; ")
      }`
    }))
  )
}

const area = (f: FileRef) => (f.width ?? 0) * (f.height ?? 0)

/** The largest photo size: by pixels, then by bytes. */
export const largestPhoto = (sizes: ReadonlyArray<FileRef>): Option.Option<FileRef> =>
  sizes.reduce<Option.Option<FileRef>>(
    (best, f) =>
      Option.match(best, {
        onNone: () => Option.some(f),
        onSome: (b) =>
          area(f) > area(b) || (area(f) === area(b) && (f.file_size ?? 0) > (b.file_size ?? 0)) ? Option.some(f) : best
      }),
    Option.none()
  )

/** Animation comes before document: Telegram sends both for a GIF. */
export const mediaOf = (message: Message): Option.Option<MediaRef> => {
  for (const kind of MEDIA_KINDS) {
    if (kind === "photo") {
      const photo = largestPhoto(message.photo ?? [])
      if (Option.isSome(photo)) return Option.some({ kind, file: photo.value })
      continue
    }
    const file = message[kind]
    if (file !== undefined) return Option.some({ kind, file })
  }
  return Option.none()
}

const fullName = (first: string, last: string | undefined) => last === undefined ? first : `${first} ${last}`

/** A readable stand-in for a message without text or caption. */
export const label = (m: Message): string => {
  if (m.photo !== undefined && m.photo.length > 0) return "[Photo]"
  if (m.animation !== undefined) return "[Animation]"
  if (m.document !== undefined) {
    return m.document.file_name === undefined ? "[Document]" : `[Document: ${m.document.file_name}]`
  }
  if (m.voice !== undefined) return "[Voice message]"
  if (m.video !== undefined) return "[Video]"
  if (m.video_note !== undefined) return "[Video message]"
  if (m.audio !== undefined) {
    const name = [m.audio.performer, m.audio.title ?? m.audio.file_name].filter((s) => s !== undefined).join(" – ")
    return name === "" ? "[Audio]" : `[Audio: ${name}]`
  }
  if (m.sticker !== undefined) return m.sticker.emoji === undefined ? "[Sticker]" : `[Sticker: ${m.sticker.emoji}]`
  if (m.contact !== undefined) return `[Contact: ${fullName(m.contact.first_name, m.contact.last_name)}]`
  if (m.poll !== undefined) return `[Poll: ${m.poll.question}]`
  if (m.venue !== undefined) return `[Venue: ${m.venue.title}]`
  if (m.location !== undefined) return `[Location: ${m.location.latitude}, ${m.location.longitude}]`
  if (m.dice !== undefined) return `[Dice: ${m.dice.emoji} ${m.dice.value}]`
  if (m.game !== undefined) return `[Game: ${m.game.title}]`
  if (m.story !== undefined) return "[Story]"
  if (m.pinned_message !== undefined) return "[Pinned message]"
  if (m.forum_topic_created !== undefined) return `[Topic created: ${m.forum_topic_created.name}]`
  if (m.forum_topic_edited !== undefined) {
    return m.forum_topic_edited.name === undefined ? "[Topic edited]" : `[Topic renamed: ${m.forum_topic_edited.name}]`
  }
  if (m.forum_topic_closed !== undefined) return "[Topic closed]"
  if (m.forum_topic_reopened !== undefined) return "[Topic reopened]"
  if (m.new_chat_members !== undefined) return "[Members joined]"
  if (m.left_chat_member !== undefined) return "[Member left]"
  if (m.new_chat_title !== undefined) return `[Chat title: ${m.new_chat_title}]`
  if (m.new_chat_photo !== undefined) return "[Chat photo changed]"
  if (m.delete_chat_photo !== undefined) return "[Chat photo removed]"
  if (m.group_chat_created !== undefined) return "[Group created]"
  if (m.migrate_to_chat_id !== undefined) return "[Group migrated to a supergroup]"
  return "[Unsupported message]"
}

/** Text, else caption, else a label. */
export const textOf = (m: Message): string =>
  m.text !== undefined && m.text.trim() !== "" ? m.text : m.caption !== undefined && m.caption.trim() !== "" ? m.caption : label(m)

/** Unix seconds as RFC 3339 UTC without fractions. */
export const rfc3339 = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z")

export const idempotencyKey = (endpoint: string, updateId: number) => `telegram:${endpoint}:${updateId}`

export const toEnvelope = (
  endpoint: string,
  parsed: Parsed,
  attachments: ReadonlyArray<Attachment> = []
): IngestEnvelopeInput => {
  const { kind, message, update } = parsed
  // `sender_chat` first: when a message is sent on behalf of a chat, `from` holds a placeholder bot.
  const sender = message.sender_chat?.id ?? message.from?.id ?? message.chat.id
  return {
    schema_version: "ingest.v1",
    source: { channel: "telegram", provider: "telegram", endpoint_identity: endpoint },
    event: {
      external_event_id: String(update.update_id),
      external_thread_id: String(message.chat.id),
      observed_at: rfc3339(isEdit(kind) ? message.edit_date ?? message.date : message.date)
    },
    sender: { identity: String(sender) },
    payload: {
      raw: update,
      normalized_text: textOf(message),
      ...(attachments.length === 0 ? {} : { attachments })
    },
    control: { idempotency_key: idempotencyKey(endpoint, update.update_id) }
  }
}

/** Parse and map in one step, without media. */
export const normalize = (endpoint: string, update: Update): Either.Either<IngestEnvelopeInput, Skip> =>
  Either.map(parse(update), (parsed) => toEnvelope(endpoint, parsed))
