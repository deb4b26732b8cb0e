/**
 * Attachment limits by kind (pure). The kind comes from the media type, or from the file extension
 * when the type is generic (`application/octet-stream`, as many mailers send): the inferred type is
 * then the one stored. Images that can be recompressed are fetched up to the message limit and
 * stored as JPEGs of at most 5 MiB; every other kind is stored as sent, up to its limit.
 */
import { isCompressible, MAX_IMAGE_BYTES } from "../telegram/Compress.js"

const MiB = 1024 * 1024

export type AttachmentKind = "image" | "pdf" | "office" | "calendar" | "other"

/** Largest stored size per kind. */
export const KIND_LIMITS: Readonly<Record<AttachmentKind, number>> = {
  image: MAX_IMAGE_BYTES,
  pdf: 15 * MiB,
  office: 10 * MiB,
  calendar: 1 * MiB,
  other: 10 * MiB
}

/** Stored attachment bytes per message, all kinds together (Gmail's own sending limit). */
export const MAX_MESSAGE_ATTACHMENT_BYTES = 25 * MiB

const OFFICE_TYPES = new Set([
  "application/msword",
  "application/vnd.ms-excel",
  "application/vnd.ms-powerpoint",
  "application/rtf",
  "text/rtf"
])
const OFFICE_PREFIXES = ["application/vnd.openxmlformats-officedocument.", "application/vnd.oasis.opendocument."]

const BY_EXTENSION: Readonly<Record<string, string>> = {
  pdf: "application/pdf",
  doc: "application/msword",
  xls: "application/vnd.ms-excel",
  ppt: "application/vnd.ms-powerpoint",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  odt: "application/vnd.oasis.opendocument.text",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  odp: "application/vnd.oasis.opendocument.presentation",
  rtf: "application/rtf",
  ics: "text/calendar",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  tif: "image/tiff",
  tiff: "image/tiff",
  bmp: "image/bmp"
}

const GENERIC = new Set(["application/octet-stream", "application/x-download", "application/force-download"])

/** The media type to store: the declared one, or the extension's when the declared one is generic. */
export const mediaTypeOf = (mimeType: string, filename: string): string => {
  if (!GENERIC.has(mimeType)) return mimeType
  const ext = /\.([a-z0-9]{1,8})$/i.exec(filename)?.[1]?.toLowerCase()
  return (ext === undefined ? undefined : BY_EXTENSION[ext]) ?? mimeType
}

export const kindOf = (mediaType: string): AttachmentKind => {
  if (mediaType.startsWith("image/")) return "image"
  if (mediaType === "application/pdf") return "pdf"
  if (OFFICE_TYPES.has(mediaType) || OFFICE_PREFIXES.some((p) => mediaType.startsWith(p))) return "office"
  if (mediaType === "text/calendar" || mediaType === "application/ics") return "calendar"
  return "other"
}

/** Largest size worth downloading: recompressible images may be big (they shrink), the rest must fit as they are. */
export const downloadLimit = (mediaType: string): number =>
  isCompressible(mediaType) ? MAX_MESSAGE_ATTACHMENT_BYTES : KIND_LIMITS[kindOf(mediaType)]

/** What a part of `size` bytes takes from the message budget once stored. */
export const storedEstimate = (mediaType: string, size: number): number =>
  isCompressible(mediaType) ? Math.min(size, MAX_IMAGE_BYTES) : size
