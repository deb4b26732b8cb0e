/** Shared pieces of the end-to-end tests: a stream of real-shaped updates, and waiting on the inbox. */
import { SqlClient } from "@effect/sql"
import { Duration, Effect, Schedule } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as FakeTelegram from "../support/FakeTelegram.js"
import type { TestHubInfo } from "../support/TestHub.js"

export const BOT_TOKEN = "7000001:AAHe2e-bot-token-never-logged"
export const TEXT_MARKER = "tg-e2e-text"

/** Update `id`: mostly text, every 250th a photo (with a downloadable file), every 100th a callback_query (skipped). */
export const updateOf = (fake: FakeTelegram.FakeTelegramServer, id: number): FakeTelegram.Json => {
  if (id % 100 === 0) {
    return { update_id: id, callback_query: { id: `cb${id}`, from: { id: 5, is_bot: false, first_name: "A" }, data: "x" } }
  }
  const update = FakeTelegram.textUpdate(id, `${TEXT_MARKER} ${id}`)
  if (id % 250 !== 0) return update
  const fileId = `photo-${id}`
  fake.addFile(fileId, new Uint8Array(64).fill(id % 256), `photos/file_${id}.jpg`)
  const { text: _text, ...message } = update["message"] as Record<string, unknown>
  return { update_id: id, message: { ...message, photo: [{ file_id: fileId, file_unique_id: `u${id}`, width: 8, height: 8 }] } }
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Ids of the updates in `ids` that become inbox rows (callback queries are skipped). */
export const ingestible = (ids: ReadonlyArray<number>) => ids.filter((id) => id % 100 !== 0)

/** A temporary directory removed when the scope closes. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-telegram-e2e-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

export const inboxIds = (endpoint: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly id: string }>`SELECT external_event_id AS id FROM message_inbox
      WHERE source_channel = 'telegram' AND source_endpoint_identity = ${endpoint}`).pipe(
    Effect.map((rows) => rows.map((r) => Number(r.id))),
    Effect.orDie
  )

/** Inbox rows of `endpoint` that carry one attachment stored by hash. */
export const attachedCount = (endpoint: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM message_inbox
      WHERE source_endpoint_identity = ${endpoint} AND jsonb_array_length(attachments) = 1
      AND attachments -> 0 ->> 'storage_ref' ~ '^[a-z]+://sha256/[0-9a-f]{64}$'`).pipe(
    Effect.map((rows) => rows[0]?.n ?? 0),
    Effect.orDie
  )

/** Waits (polling the database) until the inbox of `endpoint` holds at least `n` rows. */
export const waitForRows = (endpoint: string, n: number, within: Duration.DurationInput = "60 seconds") =>
  inboxIds(endpoint).pipe(
    Effect.repeat({ schedule: Schedule.passthrough(Schedule.spaced("200 millis")), until: (ids) => ids.length >= n }),
    Effect.timeoutFail({
      duration: within,
      onTimeout: () => new Error(`inbox of ${endpoint} did not reach ${n} rows within ${Duration.format(Duration.decode(within))}`)
    }),
    Effect.orDie
  )

/** Waits until `check` holds (plain state of a fake or a file). */
export const waitFor = (what: string, check: () => boolean, within: Duration.DurationInput = "20 seconds") =>
  Effect.sync(check).pipe(
    Effect.repeat({ schedule: Schedule.passthrough(Schedule.spaced("100 millis")), until: (ok) => ok }),
    Effect.timeoutFail({ duration: within, onTimeout: () => new Error(`timed out waiting for ${what}`) }),
    Effect.orDie
  )

/** The environment of a connector process polling `fake` for `endpoint` into the hub at `hubUrl`. */
export const connectorEnv = (
  fake: FakeTelegram.FakeTelegramServer,
  hub: { readonly url: string; readonly token: string },
  endpoint: string,
  dir: string
): Record<string, string> => ({
  SWITCHBOARD_URL: hub.url,
  SWITCHBOARD_API_TOKEN: hub.token,
  CONNECTOR_ENDPOINT_IDENTITY: endpoint,
  CONNECTOR_CURSOR_PATH: Path.join(dir, "telegram_cursor.json"),
  CONNECTOR_BLOB_STORE_DIR: Path.join(dir, "blobs"),
  CONNECTOR_POLL_INTERVAL_S: "0.2",
  BUTLER_TELEGRAM_TOKEN: BOT_TOKEN,
  TELEGRAM_API_BASE_URL: fake.url
})

/** A token scoped to exactly this bot's source. */
export const connectorToken = (hub: TestHubInfo, endpoint: string) =>
  Effect.map(hub.mintToken({ channel: "telegram", provider: "telegram", endpoint_identity: endpoint }), (t) => t.token)

export const readCursor = (dir: string): unknown => {
  try {
    return JSON.parse(Fs.readFileSync(Path.join(dir, "telegram_cursor.json"), "utf8"))
  } catch {
    return undefined
  }
}
