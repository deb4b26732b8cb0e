/**
 * The shared corpus (../shared/corpus): real Gmail `messages.get` answers decoded with the GmailApi
 * schemas, and the raw RFC 822 files of corpus/email wrapped as `format=raw` answers (base64url).
 */
import { Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { AttachmentBody, Message } from "../../../services/GmailApi.js"

export const corpusDir = Path.resolve(import.meta.dirname, "../../fixtures") // copies of ../shared/corpus/{gmail,email}
export const gmailDir = Path.join(corpusDir, "gmail")
export const emailDir = Path.join(corpusDir, "email")

const list = (dir: string, pattern: RegExp) => Fs.readdirSync(dir).filter((f) => pattern.test(f)).sort()

/** Every `messages.get` answer of the Gmail corpus, full and metadata. */
export const gmailMessageFiles: ReadonlyArray<string> = list(gmailDir, /^messages\.get_(full|metadata)_.+\.json$/)

export const emlFiles: ReadonlyArray<string> = list(emailDir, /\.eml$/)

const readJson = (dir: string, file: string): unknown => JSON.parse(Fs.readFileSync(Path.join(dir, file), "utf8"))

export const gmailMessage = (file: string): Message => Schema.decodeUnknownSync(Message)(readJson(gmailDir, file))

export const emlBytes = (file: string): Uint8Array => new Uint8Array(Fs.readFileSync(Path.join(emailDir, file)))

/** An .eml as Gmail's `format=raw` answer (no internalDate: the Date header gives the time). */
export const emlMessage = (file: string): Message => {
  const id = `eml-${file.replace(/\D+/g, "")}`
  return { id, threadId: `thread-${id}`, labelIds: ["INBOX"], raw: Buffer.from(emlBytes(file)).toString("base64url") }
}

/** The recorded `attachments.get` answer. */
export const attachmentBody = (): AttachmentBody =>
  Schema.decodeUnknownSync(AttachmentBody)(readJson(gmailDir, "messages.attachments.get_response.json"))
