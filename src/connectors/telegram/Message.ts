/**
 * The parts of a Telegram `Message` the connector reads (https://core.telegram.org/bots/api#message).
 * Decoding ignores every other key: the untouched update is kept as `raw`.
 */
import { Schema } from "effect"

const Id = Schema.Number.pipe(Schema.int())

export const Peer = Schema.Struct({
  id: Id,
  first_name: Schema.optional(Schema.String),
  last_name: Schema.optional(Schema.String),
  username: Schema.optional(Schema.String),
  title: Schema.optional(Schema.String),
  type: Schema.optional(Schema.String)
})

/** A downloadable file as Telegram describes it (document, voice, video, sticker, photo size…). */
export const FileRef = Schema.Struct({
  file_id: Schema.String,
  file_unique_id: Schema.optional(Schema.String),
  file_size: Schema.optional(Schema.Number),
  file_name: Schema.optional(Schema.String),
  mime_type: Schema.optional(Schema.String),
  width: Schema.optional(Schema.Number),
  height: Schema.optional(Schema.Number),
  duration: Schema.optional(Schema.Number),
  length: Schema.optional(Schema.Number),
  emoji: Schema.optional(Schema.String),
  is_animated: Schema.optional(Schema.Boolean),
  is_video: Schema.optional(Schema.Boolean),
  title: Schema.optional(Schema.String),
  performer: Schema.optional(Schema.String)
})
export type FileRef = typeof FileRef.Type

export const Message = Schema.Struct({
  message_id: Id,
  date: Id,
  edit_date: Schema.optional(Id),
  chat: Peer,
  from: Schema.optional(Peer),
  sender_chat: Schema.optional(Peer),
  text: Schema.optional(Schema.String),
  caption: Schema.optional(Schema.String),
  photo: Schema.optional(Schema.Array(FileRef)),
  document: Schema.optional(FileRef),
  voice: Schema.optional(FileRef),
  video: Schema.optional(FileRef),
  audio: Schema.optional(FileRef),
  sticker: Schema.optional(FileRef),
  animation: Schema.optional(FileRef),
  video_note: Schema.optional(FileRef),
  contact: Schema.optional(Schema.Struct({
    phone_number: Schema.optional(Schema.String),
    first_name: Schema.String,
    last_name: Schema.optional(Schema.String)
  })),
  poll: Schema.optional(Schema.Struct({ question: Schema.String })),
  location: Schema.optional(Schema.Struct({ latitude: Schema.Number, longitude: Schema.Number })),
  venue: Schema.optional(Schema.Struct({ title: Schema.String, address: Schema.optional(Schema.String) })),
  dice: Schema.optional(Schema.Struct({ emoji: Schema.String, value: Schema.Number })),
  game: Schema.optional(Schema.Struct({ title: Schema.String })),
  story: Schema.optional(Schema.Unknown),
  pinned_message: Schema.optional(Schema.Unknown),
  forum_topic_created: Schema.optional(Schema.Struct({ name: Schema.String })),
  forum_topic_edited: Schema.optional(Schema.Struct({ name: Schema.optional(Schema.String) })),
  forum_topic_closed: Schema.optional(Schema.Unknown),
  forum_topic_reopened: Schema.optional(Schema.Unknown),
  new_chat_members: Schema.optional(Schema.Array(Peer)),
  left_chat_member: Schema.optional(Peer),
  new_chat_title: Schema.optional(Schema.String),
  new_chat_photo: Schema.optional(Schema.Unknown),
  delete_chat_photo: Schema.optional(Schema.Unknown),
  group_chat_created: Schema.optional(Schema.Unknown),
  migrate_to_chat_id: Schema.optional(Schema.Number)
})
export type Message = typeof Message.Type

/** The update kinds that carry a message and are ingested. */
export const MESSAGE_KINDS = ["message", "edited_message", "channel_post", "edited_channel_post"] as const
export type MessageKind = (typeof MESSAGE_KINDS)[number]

export const isEdit = (kind: MessageKind) => kind === "edited_message" || kind === "edited_channel_post"
