/**
 * A Gmail message's MIME → `Parsed`. `format=full` is Gmail's own parse of the tree (transfer
 * encodings already decoded, text transcoded to UTF-8), walked here with bounded depth and part
 * count; `format=raw` (and any RFC 822 file) is parsed with the kept library `postal-mime`.
 * Body text: in every multipart/alternative the text/plain choice wins when it has any text, else
 * the HTML one (as text, Html.ts); the parts of other multiparts are joined; a multipart/report
 * reads only its human-readable first part. Neither function fails: a mail is always ingested.
 */
import { Data, Effect, Option } from "effect"
import PostalMime, { type Email } from "postal-mime"
import type { Message, MessagePart } from "../../../services/GmailApi.js"
import { base64UrlBytes, charsetOf, dispositionOf, gmailText, oneLine, repairMojibake, storable } from "./Decode.js"
import { htmlToText, MAX_HTML_CHARS, tidy } from "./Html.js"
import {
  type AttachmentCandidate,
  filenameOf,
  header,
  headerFields,
  headerMap,
  mimeTypeOf,
  type Note,
  type Parsed,
  type Refetch
} from "./Parsed.js"

/** MIME parts walked at most, and the deepest nesting read (deeper parts are left out, with a note). */
export const MAX_PARTS = 500
export const MAX_DEPTH = 32

interface Segment {
  readonly kind: "plain" | "html"
  /** Plain text, or the HTML source (converted only if chosen). */
  readonly text: string
}

interface Walk {
  parts: number
  bodyMoved: boolean
  readonly notes: Array<Note>
  readonly attachments: Array<AttachmentCandidate>
}

const note = (walk: { readonly notes: Array<Note> }, n: Note) => {
  if (!walk.notes.includes(n)) walk.notes.push(n)
}

const hasText = (segments: ReadonlyArray<Segment>, kind: Segment["kind"]) =>
  segments.some((s) => s.kind === kind && s.text.trim() !== "")

/** The last alternative with text of this kind (alternatives come in increasing order of preference). */
const lastWith = (alternatives: ReadonlyArray<ReadonlyArray<Segment>>, kind: Segment["kind"]) => {
  for (let i = alternatives.length - 1; i >= 0; i--) if (hasText(alternatives[i]!, kind)) return alternatives[i]
  return undefined
}

/** Whether a part is an attachment candidate rather than content nobody asked to keep. */
const isCandidate = (filename: string, disposition: string, mimeType: string) =>
  filename !== "" || disposition === "attachment" || mimeType.startsWith("image/")

/** Text with mojibake repaired (noted). */
const repaired = (text: string, notes: Array<Note>): string => {
  const r = repairMojibake(text)
  if (r.repaired && !notes.includes("mojibake_repaired")) notes.push("mojibake_repaired")
  return r.text
}

const leaf = (part: MessagePart, mimeType: string, walk: Walk): ReadonlyArray<Segment> => {
  const headers = headerMap(part.headers ?? [])
  const disposition = dispositionOf(Option.getOrUndefined(header(headers, "content-disposition")))
  const body = part.body
  if ((mimeType === "text/plain" || mimeType === "text/html") && disposition !== "attachment") {
    if (body?.data !== undefined) {
      const decoded = gmailText(base64UrlBytes(body.data), charsetOf(Option.getOrUndefined(header(headers, "content-type"))))
      if (decoded.note !== undefined) note(walk, decoded.note)
      return [{ kind: mimeType === "text/html" ? "html" : "plain", text: repaired(decoded.text, walk.notes) }]
    }
    if (body?.attachmentId !== undefined) walk.bodyMoved = true
    return []
  }
  const filename = filenameOf(part.filename)
  const partId = oneLine(part.partId ?? "", 64)
  const declaredSize = Number.isSafeInteger(body?.size) && body!.size! > 0 ? body!.size! : 0
  if (body?.attachmentId !== undefined && body.attachmentId !== "") {
    walk.attachments.push({ partId, attachmentId: body.attachmentId, filename, mimeType, declaredSize })
  } else if (body?.data !== undefined && isCandidate(filename, disposition, mimeType)) {
    const inlineData = base64UrlBytes(body.data)
    walk.attachments.push({ partId, inlineData, filename, mimeType, declaredSize: inlineData.length })
  }
  return []
}

const segmentsOf = (part: MessagePart, depth: number, walk: Walk): ReadonlyArray<Segment> => {
  if (++walk.parts > MAX_PARTS) {
    note(walk, "too_many_parts")
    return []
  }
  if (depth > MAX_DEPTH) {
    note(walk, "too_deep")
    return []
  }
  const mimeType = mimeTypeOf(part.mimeType)
  const children = part.parts ?? []
  if (children.length === 0 && !mimeType.startsWith("multipart/")) return leaf(part, mimeType, walk)
  const each = children.map((child) => segmentsOf(child, depth + 1, walk))
  if (mimeType === "multipart/alternative") {
    return lastWith(each, "plain") ?? lastWith(each, "html") ?? []
  }
  if (mimeType === "multipart/report") return each[0] ?? []
  return each.flat()
}

/** The body text of the chosen segments and where it came from. */
const bodyText = (segments: ReadonlyArray<Segment>, notes: Array<Note>) => {
  const pieces = segments.map((s) => {
    if (s.kind === "plain") return tidy(s.text)
    if (s.text.length > MAX_HTML_CHARS) note({ notes }, "html_cut")
    const text = htmlToText(s.text)
    if (text === undefined) note({ notes }, "html_unreadable")
    return text ?? ""
  }).filter((t) => t !== "")
  const text = storable(pieces.join("\n\n"))
  const textSource: Parsed["textSource"] = text === "" ? "none" : segments.some((s) => s.kind === "html") ? "html" : "plain"
  return { text, textSource }
}

/** `users.messages.get` with `format=full` (or `metadata`, which has headers only). */
export const parseFull = (message: Message): Parsed => {
  const payload = message.payload
  const walk: Walk = { parts: 0, bodyMoved: false, notes: [], attachments: [] }
  const fields = headerFields(headerMap(payload?.headers ?? []), walk.notes)
  const metadataOnly = payload !== undefined && payload.body === undefined && (payload.parts ?? []).length === 0
  const segments = payload === undefined || metadataOnly ? [] : segmentsOf(payload, 0, walk)
  const refetch: Option.Option<Refetch> = payload === undefined
    ? Option.some({ format: "raw", reason: "no_payload" })
    : metadataOnly
    ? Option.some({ format: "full", reason: "headers_only" })
    : walk.bodyMoved
    ? Option.some({ format: "raw", reason: "body_in_attachment" })
    : Option.none()
  return {
    format: metadataOnly ? "metadata" : "full",
    ...fields,
    ...bodyText(segments, walk.notes),
    attachments: walk.attachments,
    refetch,
    notes: walk.notes
  }
}

const fromEmail = (email: Email): Parsed => {
  const notes: Array<Note> = []
  const fields = headerFields(headerMap(email.headers.map((h) => ({ name: h.originalKey, value: h.value }))), notes)
  const segments: ReadonlyArray<Segment> = email.text !== undefined && email.text.trim() !== ""
    ? [{ kind: "plain", text: repaired(email.text, notes) }]
    : email.html !== undefined
    ? [{ kind: "html", text: repaired(email.html, notes) }]
    : []
  const attachments = email.attachments.flatMap((a, i): ReadonlyArray<AttachmentCandidate> => {
    const filename = filenameOf(a.filename)
    const mimeType = mimeTypeOf(a.mimeType)
    if (!isCandidate(filename, a.disposition ?? "", mimeType) || typeof a.content === "string") return []
    const inlineData = a.content instanceof Uint8Array ? a.content : new Uint8Array(a.content)
    return [{ partId: `raw.${i}`, inlineData, filename, mimeType, declaredSize: inlineData.length }]
  })
  return { format: "raw", ...fields, ...bodyText(segments, notes), attachments, refetch: Option.none(), notes }
}

const unparseable: Parsed = {
  format: "raw",
  headers: new Map(),
  subject: "",
  from: Option.none(),
  messageId: Option.none(),
  date: Option.none(),
  text: "",
  textSource: "none",
  attachments: [],
  refetch: Option.none(),
  notes: ["raw_unparseable"]
}

/** postal-mime rejected the message (nesting or header size over its limits, unreadable input). */
class RawUnparseable extends Data.TaggedError("RawUnparseable")<{ readonly message: string }> {}

/** postal-mime's own limits, tighter than its defaults (256 levels, 2 MiB of headers). */
const POSTAL_OPTIONS = { attachmentEncoding: "arraybuffer", maxNestingDepth: 64, maxHeadersSize: 1024 * 1024 } as const

/** `format=raw`: base64url RFC 822 bytes. A message postal-mime refuses gives an empty Parsed noted `raw_unparseable`. */
export const parseRaw = (raw: string): Effect.Effect<Parsed> => parseRfc822(base64UrlBytes(raw))

/** RFC 822 bytes (an .eml file, a decoded `raw`). */
export const parseRfc822 = (bytes: Uint8Array): Effect.Effect<Parsed> =>
  Effect.tryPromise({
    try: () => PostalMime.parse(bytes, POSTAL_OPTIONS),
    catch: (cause) => new RawUnparseable({ message: cause instanceof Error ? cause.message.slice(0, 200) : "not a MIME message" })
  }).pipe(
    Effect.map(fromEmail),
    Effect.catchTag("RawUnparseable", (e) =>
      Effect.as(Effect.logWarning(`postal-mime refused a raw message (${e.message}); ingesting it without text`), unparseable))
  )
