/**
 * Bytes and strings of a mail, made storable: base64url, charsets, the UTF-8-read-as-Latin-1 repair,
 * C1 controls read as Windows-1252, and the hub's text rules (no NUL: removed; no lone surrogates: replaced by U+FFFD). Pure.
 */
import { utf8Bytes } from "../../domain/Text.js"

/** Gmail's `body.data` / `raw` / attachment `data` (base64url without padding; standard base64 accepted too). */
export const base64UrlBytes = (data: string): Uint8Array => new Uint8Array(Buffer.from(data, "base64url"))

const wellFormed = (s: string): string => (s as string & { toWellFormed(): string }).toWellFormed()

/** What the hub stores as received: NUL removed, lone surrogates replaced by U+FFFD. */
export const storable = (s: string): string => wellFormed(s.includes("\u0000") ? s.replaceAll("\u0000", "") : s)

/** At most `maxBytes` bytes of UTF-8, cut at a code point boundary (the input must be well-formed). */
export const cutUtf8 = (s: string, maxBytes: number): string => {
  if (s.length <= maxBytes / 3 || utf8Bytes(s) <= maxBytes) return s
  const bytes = Buffer.from(s, "utf8")
  let end = maxBytes
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString("utf8")
}

/** A header-like value on one line: storable, whitespace runs (folds, tabs, newlines) as one space, trimmed, cut. */
export const oneLine = (s: string, maxBytes: number): string =>
  cutUtf8(storable(s).replace(/[\s\u0001-\u001f\u007f]+/g, " ").trim(), maxBytes)

const utf8Fatal = new TextDecoder("utf-8", { fatal: true })

/** The decoder for a charset label, or undefined when the runtime does not know the label. */
export const decoderFor = (label: string | undefined): InstanceType<typeof TextDecoder> | undefined => {
  try {
    return new TextDecoder(label === undefined || label === "" ? "utf-8" : label.slice(0, 64))
  } catch {
    return undefined
  }
}

export type CharsetNote = "charset_unknown" | "charset_invalid"

/**
 * Text bytes of a `format=full` part. Gmail transcodes text parts to UTF-8 there (the corpus' ISO-8859-1
 * newsletter: `body.size` counts the original bytes, `data` is their UTF-8), so valid UTF-8 is taken
 * as UTF-8 whatever the part declares; other bytes were left as sent and are read in the declared
 * charset (unknown label: UTF-8 with U+FFFD for bad bytes).
 */
export const gmailText = (bytes: Uint8Array, charset: string | undefined): { text: string; note?: CharsetNote } => {
  try {
    return { text: utf8Fatal.decode(bytes) }
  } catch {
    const declared = decoderFor(charset)
    return declared === undefined
      ? { text: new TextDecoder().decode(bytes), note: "charset_unknown" }
      : { text: c1AsCp1252(declared.decode(bytes)), note: "charset_invalid" }
  }
}

// Windows-1252 (which WHATWG also uses for iso-8859-1 and us-ascii) by character, plus the Latin-1
// reading of 0x80–0x9F as C1 controls: every character either reading can produce. The 0x80–0x9F row
// is spelled out because Node 20's TextDecoder("windows-1252") decodes it as Latin-1.
const CP1252_80_9F = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ"
const latinByte: ReadonlyMap<string, number> = (() => {
  const table = new Map<string, number>()
  for (let b = 0x80; b <= 0xff; b++) table.set(String.fromCharCode(b), b)
  for (let i = 0; i < CP1252_80_9F.length; i++) table.set(CP1252_80_9F[i]!, 0x80 + i)
  return table
})()

const NON_ASCII = /[^\u0000-\u007f]/

/** C1 controls (never text) as the Windows-1252 characters a Latin-1 reading of the same bytes hid. */
export const c1AsCp1252 = (s: string): string =>
  /[\u0080-\u009f]/.test(s) ? s.replace(/[\u0080-\u009f]/g, (c) => CP1252_80_9F[c.charCodeAt(0) - 0x80]!) : s

/**
 * UTF-8 that was read as Windows-1252 or Latin-1 ("Stakeholdersâ€™" for "Stakeholders’"), decoded
 * again. Only when every non-ASCII character maps back to one byte and those bytes are valid UTF-8,
 * which real Latin-1 text practically never is. Otherwise only C1 controls change (c1AsCp1252).
 */
export const repairMojibake = (s: string): { text: string; repaired: boolean } => {
  if (!NON_ASCII.test(s)) return { text: s, repaired: false }
  const bytes = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i)
    const b = code < 0x80 ? code : latinByte.get(s[i]!)
    if (b === undefined) return { text: c1AsCp1252(s), repaired: false }
    bytes[i] = b
  }
  try {
    return { text: utf8Fatal.decode(bytes), repaired: true }
  } catch {
    return { text: c1AsCp1252(s), repaired: false }
  }
}

/** The `charset` parameter of a Content-Type value, unquoted and lowercased. */
export const charsetOf = (contentType: string | undefined): string | undefined => {
  const m = /;\s*charset\s*=\s*"?([^";\s]{1,64})/i.exec((contentType ?? "").slice(0, 1024))
  return m?.[1]?.toLowerCase()
}

/** The first token of a Content-Disposition value, lowercased ("attachment", "inline", …). */
export const dispositionOf = (value: string | undefined): string =>
  (value ?? "").slice(0, 256).split(";")[0]!.trim().toLowerCase()
