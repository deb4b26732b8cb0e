/**
 * What a Gmail message becomes once its MIME is read (Mime.ts), whichever form it was fetched in:
 * headers by lowercase name, subject, sender, Message-ID, body text and the attachment candidates,
 * plus whether the connector must fetch another form to get the body. Every string is storable
 * (Decode.storable); nothing here is cut to envelope limits yet (Normalize.ts does that).
 */
import { Option } from "effect"
import { addressParser, decodeWords } from "postal-mime"
import { timestampProblem } from "../../domain/Timestamp.js"
import { oneLine, repairMojibake, storable } from "./Decode.js"

/** A part worth storing: fetched by `attachmentId`, or carried inline (`format=raw`, small full parts). */
export interface AttachmentCandidate {
  /** Gmail's part id ("1", "0.2"), or "raw.<n>" for parts of a raw message. */
  readonly partId: string
  readonly attachmentId?: string
  readonly inlineData?: Uint8Array
  /** Decoded, without directories or control characters; "" when the part names none. */
  readonly filename: string
  /** Lowercase `type/subtype`, "application/octet-stream" when missing or malformed. */
  readonly mimeType: string
  /** Bytes the source says the part has (Gmail's `body.size`, or the inline length). */
  readonly declaredSize: number
}

/** The display name and the normalised (trimmed, lowercase) address of a mailbox. */
export interface Mailbox {
  readonly address: string
  readonly name: string
}

/**
 * Why the fetched form is not enough: `headers_only` (a `format=metadata` answer: fetch `full`),
 * `no_payload` (a full answer without a MIME tree) and `body_in_attachment` (Gmail moved a text
 * body out to an attachmentId): fetch `raw`.
 */
export type RefetchReason = "headers_only" | "no_payload" | "body_in_attachment"

export interface Refetch {
  readonly format: "full" | "raw"
  readonly reason: RefetchReason
}

/** Things worth knowing about how the text was obtained (a small closed set, reported in `payload.raw`). */
export type Note =
  | "charset_unknown"
  | "charset_invalid"
  | "mojibake_repaired"
  | "too_many_parts"
  | "too_deep"
  | "html_cut"
  | "html_unreadable"
  | "raw_unparseable"

export interface Parsed {
  /** The form the message was read from. */
  readonly format: "full" | "metadata" | "raw"
  /** Top-level headers by lowercase name, in order. */
  readonly headers: ReadonlyMap<string, ReadonlyArray<string>>
  /** Decoded, on one line; "" when missing. */
  readonly subject: string
  readonly from: Option.Option<Mailbox>
  /** The RFC 5322 Message-ID as written (angle brackets included), trimmed. */
  readonly messageId: Option.Option<string>
  /** The Date header as RFC 3339, when it parses. */
  readonly date: Option.Option<string>
  /** Body text: text/plain preferred, else HTML as text. */
  readonly text: string
  readonly textSource: "plain" | "html" | "none"
  readonly attachments: ReadonlyArray<AttachmentCandidate>
  readonly refetch: Option.Option<Refetch>
  readonly notes: ReadonlyArray<Note>
}

/** At most this many headers are kept, each value at most this many characters. */
export const MAX_HEADERS = 500
export const MAX_HEADER_CHARS = 16 * 1024

/** Headers by lowercase name (storable values, bounded count and length). */
export const headerMap = (
  headers: ReadonlyArray<{ readonly name: string; readonly value: string }>
): ReadonlyMap<string, ReadonlyArray<string>> => {
  const map = new Map<string, Array<string>>()
  for (const { name, value } of headers.slice(0, MAX_HEADERS)) {
    const key = storable(name.slice(0, 128)).trim().toLowerCase()
    const values = map.get(key) ?? []
    values.push(storable(value.slice(0, MAX_HEADER_CHARS)))
    map.set(key, values)
  }
  return map
}

/** The first value of a header, any case. */
export const header = (headers: ReadonlyMap<string, ReadonlyArray<string>>, name: string): Option.Option<string> =>
  Option.fromNullable(headers.get(name.toLowerCase())?.[0])

/** A decoded header text: encoded words decoded, mojibake repaired, on one line. */
export const headerText = (value: string, maxBytes: number, notes?: Array<Note>): string => {
  const decoded = value.includes("=?") ? decodeWords(value) : value
  const { repaired, text } = repairMojibake(decoded)
  if (repaired) notes?.push("mojibake_repaired")
  return oneLine(text, maxBytes)
}

const mailboxOf = (value: string): Option.Option<Mailbox> => {
  const first = addressParser(value.slice(0, 4096))[0]
  const box = first?.group === undefined ? first : first.group[0]
  if (box === undefined) return Option.none()
  return Option.some({
    address: oneLine(box.address, 320).toLowerCase(),
    name: headerText(box.name, 256)
  })
}

/** From (its first mailbox); a From without an address is completed from Sender or Return-Path. */
export const senderOf = (headers: ReadonlyMap<string, ReadonlyArray<string>>): Option.Option<Mailbox> => {
  const from = Option.flatMap(header(headers, "from"), mailboxOf)
  if (Option.isSome(from) && from.value.address !== "") return from
  for (const name of ["sender", "return-path"]) {
    const other = Option.flatMap(header(headers, name), mailboxOf)
    if (Option.isSome(other) && other.value.address !== "") {
      return Option.some({ address: other.value.address, name: Option.match(from, { onNone: () => "", onSome: (f) => f.name }) })
    }
  }
  return from
}

/** The Date header as RFC 3339 (UTC), when it is a date Postgres can store. */
export const dateOf = (headers: ReadonlyMap<string, ReadonlyArray<string>>): Option.Option<string> =>
  Option.flatMap(header(headers, "date"), (value) => {
    const ms = Date.parse(value.slice(0, 256))
    if (!Number.isFinite(ms)) return Option.none()
    const iso = new Date(ms).toISOString().replace(".000Z", "Z")
    return timestampProblem(iso) === undefined ? Option.some(iso) : Option.none()
  })

/** The fields every form shares, read from the top-level headers. */
export const headerFields = (headers: ReadonlyMap<string, ReadonlyArray<string>>, notes: Array<Note>) => ({
  headers,
  subject: Option.match(header(headers, "subject"), { onNone: () => "", onSome: (s) => headerText(s, 4096, notes) }),
  from: senderOf(headers),
  messageId: Option.filter(Option.map(header(headers, "message-id"), (id) => oneLine(id, 4096)), (id) => id !== ""),
  date: dateOf(headers)
})

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/

/** A lowercase `type/subtype`, or "application/octet-stream". */
export const mimeTypeOf = (value: string | undefined): string => {
  const t = (value ?? "").slice(0, 256).split(";")[0]!.trim().toLowerCase()
  return MIME_TYPE.test(t) ? t : "application/octet-stream"
}

/** A filename as metadata: encoded words decoded, directories and control characters dropped, at most 255 bytes. */
export const filenameOf = (value: string | null | undefined): string => {
  const decoded = headerText(value ?? "", 4096)
  const base = decoded.split(/[/\\]/).pop() ?? ""
  return oneLine(base, 255)
}
