/**
 * The five outbound actions (issue 10): their names, the connector each one uses, and the strict schema
 * of each body. Every leaf carries its own message, so a 400 names the path and what is wrong with it
 * without echoing the value (a body may hold addresses and message text).
 */
import { Schema } from "effect"
import { tooLong, unstorable } from "./Text.js"

export const ActionName = Schema.Literal("slack.send", "notion.create", "sheets.append", "telegram.send", "email.send")
export type ActionName = typeof ActionName.Type

export const Connector = Schema.Literal("email", "notion", "sheets", "slack", "telegram")
export type Connector = typeof Connector.Type

export const actionNames: ReadonlyArray<ActionName> = ActionName.literals
export const connectors: ReadonlyArray<Connector> = Connector.literals

export const connectorOf: { readonly [A in ActionName]: Connector } = {
  "slack.send": "slack",
  "notion.create": "notion",
  "sheets.append": "sheets",
  "telegram.send": "telegram",
  "email.send": "email"
}

export const isActionName = (s: string): s is ActionName => (actionNames as ReadonlyArray<string>).includes(s)

/** Largest request body of an action call. */
export const MAX_ACTION_BODY_BYTES = 256 * 1024

/** A non-empty string Postgres and the providers take as it is: its problem, or true. */
const textProblem = (s: string, maxBytes: number): string | true =>
  unstorable(s) ?? tooLong(s, maxBytes) ?? (s.trim() === "" ? "must not be empty" : true)

const text = (maxBytes: number, what: string) =>
  Schema.String.annotations({ message: () => `must be a string (${what})` }).pipe(
    Schema.filter((s) => textProblem(s, maxBytes))
  )

/** A value only a predicate can check, with one message for any mismatch (never the value). */
const checked = <A>(is: (u: unknown) => u is A, message: string, identifier: string) =>
  Schema.declare(is, { identifier, message: () => message })

/** `{text, channel?}` for Slack's incoming webhook (Slack cuts messages at 40,000 characters). */
export const SlackSend = Schema.Struct({
  text: text(40_000, "the message"),
  channel: Schema.optionalWith(text(80, "a channel name such as #alerts"), { exact: true })
}).annotations({ message: () => "must be a JSON object {text, channel?}" })
export type SlackSend = typeof SlackSend.Type

const NOTION_ID = /^[0-9a-f]{32}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const isProperties = (u: unknown): u is { readonly [name: string]: unknown } => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) return false
  const n = Object.keys(u).length
  return n >= 1 && n <= 100
}

/** `{database_id, props}`: a page in a Notion database; `props` are Notion page properties as Notion takes them. */
export const NotionCreate = Schema.Struct({
  database_id: Schema.String.pipe(
    Schema.filter((s) => NOTION_ID.test(s) || "must be a Notion database id (32 hex digits, dashes optional)")
  ).annotations({ message: () => "must be a Notion database id (32 hex digits, dashes optional)" }),
  props: checked(isProperties, "must be an object of 1 to 100 Notion page properties", "NotionProperties")
}).annotations({ message: () => "must be a JSON object {database_id, props}" })
export type NotionCreate = typeof NotionCreate.Type

const isCell = (u: unknown): u is string | number | boolean | null =>
  u === null || typeof u === "boolean" || (typeof u === "number" && Number.isFinite(u)) ||
  (typeof u === "string" && unstorable(u) === undefined && tooLong(u, 50_000) === undefined)

const Cell = checked(isCell, "must be a string (at most 50000 bytes), a finite number, a boolean or null", "SheetCell")

/** `{range, values}`: rows appended after the table found in `range` (A1 notation). */
export const SheetsAppend = Schema.Struct({
  range: text(200, "A1 notation such as Sheet1!A1:D1"),
  values: Schema.Array(
    Schema.Array(Cell).annotations({ message: () => "must be an array of cells" }).pipe(
      Schema.filter((row) => (row.length >= 1 && row.length <= 200) || "must have 1 to 200 cells")
    )
  ).annotations({ message: () => "must be an array of rows (arrays of cells)" }).pipe(
    Schema.filter((rows) => (rows.length >= 1 && rows.length <= 1000) || "must have 1 to 1000 rows")
  )
}).annotations({ message: () => "must be a JSON object {range, values}" })
export type SheetsAppend = typeof SheetsAppend.Type

const CHAT = /^-?\d{1,20}$|^@[A-Za-z0-9_]{5,32}$/

const isChat = (u: unknown): u is string | number =>
  (typeof u === "string" && CHAT.test(u)) || (typeof u === "number" && Number.isSafeInteger(u))

/** `{text, chat_id?}` for the Bot API's sendMessage (TELEGRAM_CHAT_ID_DEFAULT when chat_id is left out). */
export const TelegramSend = Schema.Struct({
  text: text(16_384, "the message, at most 4096 characters").pipe(
    Schema.filter((s) => [...s].length <= 4096 || "must be at most 4096 characters (Telegram's limit)")
  ),
  chat_id: Schema.optionalWith(checked(isChat, "must be a numeric chat id or an @channelusername", "TelegramChatId"), {
    exact: true
  })
}).annotations({ message: () => "must be a JSON object {text, chat_id?}" })
export type TelegramSend = typeof TelegramSend.Type

const ADDRESS = /^[^\s@<>(),;:"[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/

/** `{to, subject, text}`: one plain-text email through Resend from RESEND_FROM. */
export const EmailSend = Schema.Struct({
  to: Schema.String.pipe(Schema.filter((s) => (s.length <= 254 && ADDRESS.test(s)) || "must be one email address"))
    .annotations({ message: () => "must be one email address" }),
  subject: text(998, "the subject line").pipe(
    Schema.filter((s) => !/[\r\n]/.test(s) || "must be one line")
  ),
  text: text(200_000, "the plain-text body")
}).annotations({ message: () => "must be a JSON object {to, subject, text}" })
export type EmailSend = typeof EmailSend.Type

export const payloadSchemas = {
  "slack.send": SlackSend,
  "notion.create": NotionCreate,
  "sheets.append": SheetsAppend,
  "telegram.send": TelegramSend,
  "email.send": EmailSend
} as const

export interface Payloads {
  readonly "slack.send": SlackSend
  readonly "notion.create": NotionCreate
  readonly "sheets.append": SheetsAppend
  readonly "telegram.send": TelegramSend
  readonly "email.send": EmailSend
}

/** An action with its decoded body. */
export type ActionCall = { readonly [A in ActionName]: { readonly action: A; readonly payload: Payloads[A] } }[ActionName]
