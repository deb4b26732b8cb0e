/**
 * The real Telegram JSON of test/fixtures/telegram (a copy of ../shared/corpus/telegram) as updates:
 * updates as they are, bare messages and message results of API responses wrapped as
 * `{update_id, message}`, and the lone Animation object inside a minimal message.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { Update } from "../../services/TelegramApi.js"

export const dir = Path.resolve(import.meta.dirname, "../fixtures/telegram")

export const files: ReadonlyArray<string> = Fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()

export const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(Fs.readFileSync(Path.join(dir, file), "utf8")) as Record<string, unknown>

/** API responses whose result is not a message (getMe, setWebhook, deleteWebhook). */
export const nonMessageResults = new Set(["api_getMe_response.json", "api_setWebhook_response.json", "api_deleteWebhook_response.json"])

export interface CorpusUpdate {
  readonly file: string
  readonly update: Update
}

/** Every file that holds a message or an update, as an update (ids from 1000 for wrapped ones). */
export const updates: ReadonlyArray<CorpusUpdate> = files.filter((f) => !nonMessageResults.has(f)).map((file, i) => {
  const json = readJson(file)
  const wrappedId = 1000 + i
  if (file.startsWith("update_") || file.startsWith("official_webhooks_")) {
    return { file, update: json as Update }
  }
  if (file.startsWith("api_")) {
    return { file, update: { update_id: wrappedId, message: json["result"] } }
  }
  if (file === "aiogram2_message_animation_object.json") {
    const message = { message_id: 1, date: 1522835890, chat: { id: 42, type: "private" }, from: { id: 42 }, animation: json }
    return { file, update: { update_id: wrappedId, message } }
  }
  return { file, update: { update_id: wrappedId, message: json } }
})
