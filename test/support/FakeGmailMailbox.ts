/**
 * The mailbox behind FakeGmail: messages cloned from the corpus `messages.get_*` shapes with fresh ids,
 * thread ids, Message-ID headers, internalDate and attachment ids; a history log with ascending ids and
 * a retention floor; and the renderings Gmail gives (full, metadata, minimal, raw). `raw` is an RFC 822
 * rendering of the stored part tree (leaves re-encoded as base64), unless the message was added with
 * its own raw bytes.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { randomBytes } from "node:crypto"

export type Json = Record<string, unknown>

const CORPUS = Path.resolve(import.meta.dirname, "../fixtures/gmail") // a copy of ../shared/corpus/gmail

/** The corpus message shapes: `messages.get_<shape>.json`. */
export const SHAPES = [
  "full_empty_subject_alternative",
  "full_html_only_iso-8859-1_qp_mojibake",
  "full_html_only_utf8_no_cte",
  "full_html_only_utf8_qp",
  "full_mixed_alternative_plus_png_attachment",
  "full_mixed_two_png_attachments",
  "full_multipart_alternative",
  "full_reply_qp_with_attachment",
  "full_text_plain_only",
  "metadata_linkedin_html_iso-8859-1",
  "metadata_mixed_find_attached",
  "metadata_multipart_report_dsn"
] as const
export type Shape = (typeof SHAPES)[number]

/** A corpus file, parsed (each call a fresh copy). */
export const corpus = (file: string): Json => JSON.parse(Fs.readFileSync(Path.join(CORPUS, file), "utf8")) as Json

/** A valid 1×1 PNG: the default bytes of image attachments (the image compressor must accept them). */
export const TINY_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64"
)

export interface AddMessage {
  /** A corpus shape name, or a message object of that form. */
  readonly shape: Shape | Json
  /** Default ["UNREAD", "INBOX"]. */
  readonly labelIds?: ReadonlyArray<string>
  /** Milliseconds since the epoch (default: one second after the previous message). */
  readonly internalDate?: number
  /** The Message-ID header value (default `<fake-<id>@mail.fake-gmail.test>`); `null` removes the header. */
  readonly messageId?: string | null
  /** Default: a new thread (the message id). */
  readonly threadId?: string
  /** Bytes of the attachment parts in document order (default: a tiny PNG for images, filler otherwise). */
  readonly attachments?: ReadonlyArray<Uint8Array>
  /** The RFC 822 bytes `format=raw` answers (default: rendered from the parts). */
  readonly raw?: Uint8Array | string
}

export interface AddedMessage {
  readonly id: string
  readonly threadId: string
  readonly messageId: string | undefined
  readonly historyId: string
  readonly internalDate: string
  readonly attachmentIds: ReadonlyArray<string>
}

interface Part {
  partId?: string
  mimeType?: string
  filename?: string
  headers?: Array<{ name: string; value: string }>
  body?: { attachmentId?: string; size?: number; data?: string }
  parts?: Array<Part>
}

interface Stored {
  message: Json & { id: string; threadId: string; labelIds: Array<string>; internalDate: string; payload?: Part }
  raw: Buffer | undefined
  deleted: boolean
}

const HISTORY_KINDS: Record<string, string> = {
  messageAdded: "messagesAdded",
  messageDeleted: "messagesDeleted",
  labelAdded: "labelsAdded",
  labelRemoved: "labelsRemoved"
}

const walk = (part: Part | undefined, f: (p: Part) => void) => {
  if (part === undefined) return
  f(part)
  for (const child of part.parts ?? []) walk(child, f)
}

const fillerBytes = (size: number, seed: string) => {
  const out = Buffer.alloc(Math.min(Math.max(size, 1), 1024 * 1024))
  for (let i = 0; i < out.length; i++) out[i] = seed.charCodeAt(i % seed.length) ^ (i & 0x7f)
  return out
}

export class Mailbox {
  /** The mailbox's current history id. */
  historyId: number
  /** startHistoryIds below this answer the corpus 404. */
  historyFloor = 0
  readonly messages = new Map<string, Stored>()
  readonly history: Array<Json & { id: string }> = []
  readonly attachments = new Map<string, Buffer>()
  private serial = 0
  private lastDate = 1_754_000_000_000

  constructor(readonly emailAddress: string, startHistoryId: number) {
    this.historyId = startHistoryId
  }

  private record(fields: Json): string {
    this.historyId += 1 + (this.history.length % 3) // ids ascend with gaps, as Gmail's do
    const id = String(this.historyId)
    this.history.push({ id, ...fields })
    return id
  }

  addMessage(options: AddMessage): AddedMessage {
    const template = typeof options.shape === "string" ? corpus(`messages.get_${options.shape}.json`) : options.shape
    const message = structuredClone(template) as Stored["message"]
    const id = (0x19e0_0000_0000_0000n + BigInt(++this.serial) * 0x1_f3a5n).toString(16)
    const threadId = options.threadId ?? id
    this.lastDate = options.internalDate ?? this.lastDate + 1000
    const messageId = options.messageId === null ? undefined : options.messageId ?? `<fake-${id}@mail.fake-gmail.test>`
    const headers = (message.payload ??= {}).headers ??= []
    const kept = headers.filter((h) => h.name.toLowerCase() !== "message-id")
    const at = headers.findIndex((h) => h.name.toLowerCase() === "message-id")
    if (messageId !== undefined) kept.splice(at < 0 ? kept.length : at, 0, { name: "Message-ID", value: messageId })
    message.payload.headers = kept
    const attachmentIds: Array<string> = []
    walk(message.payload, (part) => {
      if (part.body?.attachmentId === undefined) return
      const bytes = Buffer.from(
        options.attachments?.[attachmentIds.length] ??
          ((part.mimeType ?? "").startsWith("image/") ? TINY_PNG : fillerBytes(part.body.size ?? 0, part.filename ?? "x"))
      )
      const attachmentId = `ANGjdJ${randomBytes(72).toString("base64url")}`
      this.attachments.set(attachmentId, bytes)
      part.body = { attachmentId, size: bytes.length }
      attachmentIds.push(attachmentId)
    })
    Object.assign(message, {
      id,
      threadId,
      labelIds: [...(options.labelIds ?? ["UNREAD", "INBOX"])],
      internalDate: String(this.lastDate)
    })
    const ref = { id, threadId }
    const historyId = this.record({ messages: [ref], messagesAdded: [{ message: { ...ref, labelIds: message.labelIds } }] })
    message.historyId = historyId
    const raw = options.raw === undefined ? undefined : Buffer.from(options.raw)
    this.messages.set(id, { message, raw, deleted: false })
    return { id, threadId, messageId, historyId, internalDate: message.internalDate, attachmentIds }
  }

  /** Adds labels (a `labelsAdded` history record). */
  addLabels(id: string, labelIds: ReadonlyArray<string>) {
    const stored = this.live(id)
    stored.message.labelIds = [...new Set([...stored.message.labelIds, ...labelIds])]
    const ref = { id, threadId: stored.message.threadId, labelIds: stored.message.labelIds }
    stored.message.historyId = this.record({ messages: [{ id, threadId: ref.threadId }], labelsAdded: [{ message: ref, labelIds }] })
  }

  /** Deletes a message for good (a `messagesDeleted` record; messages.get then answers 404). */
  deleteMessage(id: string) {
    const stored = this.live(id)
    stored.deleted = true
    const ref = { id, threadId: stored.message.threadId }
    this.record({ messages: [ref], messagesDeleted: [{ message: ref }] })
  }

  private live(id: string): Stored {
    const stored = this.messages.get(id)
    if (stored === undefined || stored.deleted) throw new Error(`FakeGmail: no message ${id}`)
    return stored
  }

  /** Gmail's retention: a startHistoryId below `id` answers 404 from now on. */
  expireHistoryBefore(id: number | string) {
    this.historyFloor = Number(id)
  }

  /** Records after `after`, of the given history types (all when empty), trimmed to those fields. */
  historyAfter(after: number, types: ReadonlyArray<string>): Array<Json> {
    const keys = types.map((t) => HISTORY_KINDS[t] ?? t)
    return this.history
      .filter((r) => Number(r.id) > after && (keys.length === 0 || keys.some((k) => k in r)))
      .map((r) =>
        keys.length === 0
          ? r
          : Object.fromEntries(Object.entries(r).filter(([k]) => k === "id" || k === "messages" || keys.includes(k)))
      )
  }

  find(id: string): Stored | undefined {
    const stored = this.messages.get(id)
    return stored?.deleted === false ? stored : undefined
  }

  /** The message as `format` renders it; `metadataHeaders` limits the headers of `metadata`. */
  render(stored: Stored, format: string, metadataHeaders: ReadonlyArray<string>): Json {
    const { payload, ...rest } = stored.message
    switch (format) {
      case "full":
        return stored.message
      case "minimal":
        return rest
      case "metadata": {
        const wanted = metadataHeaders.map((h) => h.toLowerCase())
        const headers = (payload?.headers ?? []).filter((h) => wanted.length === 0 || wanted.includes(h.name.toLowerCase()))
        return { ...rest, payload: { mimeType: payload?.mimeType ?? "text/plain", headers } }
      }
      default: // raw
        return { ...rest, raw: (stored.raw ?? this.rfc822(payload ?? {})).toString("base64url") }
    }
  }

  /** An RFC 822 rendering of a part tree: headers as stored (UTF-8), leaves re-encoded as base64. */
  rfc822(part: Part): Buffer {
    const lines = (xs: ReadonlyArray<string>) => Buffer.from(xs.map((x) => `${x}\r\n`).join(""), "utf8")
    const headers = (part.headers ?? []).filter((h) => h.name.toLowerCase() !== "content-transfer-encoding")
    if (part.parts !== undefined && part.parts.length > 0) {
      const contentType = headers.find((h) => h.name.toLowerCase() === "content-type")
      const boundary = /boundary="?([^";]+)"?/i.exec(contentType?.value ?? "")?.[1] ?? `fake-${randomBytes(8).toString("hex")}`
      if (contentType === undefined) headers.push({ name: "Content-Type", value: `${part.mimeType}; boundary="${boundary}"` })
      return Buffer.concat([
        lines([...headers.map((h) => `${h.name}: ${h.value}`), ""]),
        ...part.parts.flatMap((child) => [lines([`--${boundary}`]), this.rfc822(child)]),
        lines([`--${boundary}--`])
      ])
    }
    const bytes = part.body?.attachmentId !== undefined
      ? this.attachments.get(part.body.attachmentId) ?? Buffer.alloc(0)
      : Buffer.from(part.body?.data ?? "", "base64url")
    return lines([
      ...headers.map((h) => `${h.name}: ${h.value}`),
      "Content-Transfer-Encoding: base64",
      "",
      ...(bytes.toString("base64").match(/.{1,76}/g) ?? [])
    ])
  }
}
