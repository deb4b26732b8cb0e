/**
 * `scripts/switchboard connector gmail` as a real process against the fake Gmail and the real hub:
 * kill -9 in the middle of the mailbox, restart, and every mail is in the inbox exactly once; the
 * checkpoint ends at the mailbox's history id; no secret or message text in the output.
 */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import * as Path from "node:path"
import * as Fs from "node:fs"
import * as FakeGmail from "../../support/FakeGmail.js"
import * as TestHub from "../../support/TestHub.js"
import * as ConnectorProcess from "../../telegram/ConnectorProcess.js"
import * as E2E from "../../telegram/EndToEnd.js"

const MAILBOX = "kill@example.com"
const ENDPOINT = `gmail:user:${MAILBOX}`

const inbox = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ readonly id: string; readonly n: number }>`SELECT external_event_id AS id, count(*)::int AS n FROM message_inbox
    WHERE source_channel = 'email' AND source_endpoint_identity = ${ENDPOINT} GROUP BY 1`).pipe(Effect.orDie)

const waitForRows = (n: number, output: () => string) =>
  inbox.pipe(
    Effect.repeat({ until: (rows) => rows.length >= n, schedule: Schedule.spaced("200 millis") }),
    Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`no ${n} rows; connector said:\n${output().slice(-3000)}`) }),
    Effect.orDie
  )

layer(TestHub.layer, { excludeTestServices: true, timeout: 180_000 })("gmail connector process end to end", (it) => {
  it.effect("kill -9 mid-mailbox and restart: every mail is in the inbox exactly once", () =>
    Effect.scoped(Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const fake = yield* FakeGmail.make({ emailAddress: MAILBOX, historyPageSize: 50 })
      const dir = yield* E2E.tempDir
      const cursorPath = Path.join(dir, "gmail_cursor.json")
      const token = (yield* hub.mintToken({ channel: "email", provider: "gmail", endpoint_identity: ENDPOINT })).token
      // the runbook's manual recovery: a cursor written by hand, without last_updated_at
      Fs.writeFileSync(cursorPath, JSON.stringify({ history_id: String(fake.mailbox.historyId) }))
      const shapes = ["full_text_plain_only", "full_multipart_alternative", "full_mixed_alternative_plus_png_attachment"] as const
      const mails = Array.from({ length: 600 }, (_, i) => fake.addMessage({ shape: shapes[i % 3]! }))
      const env = {
        SWITCHBOARD_URL: hub.url,
        SWITCHBOARD_API_TOKEN: token,
        CONNECTOR_ENDPOINT_IDENTITY: ENDPOINT,
        CONNECTOR_CURSOR_PATH: cursorPath,
        CONNECTOR_BLOB_STORE_DIR: Path.join(dir, "blobs"),
        CONNECTOR_MAX_INFLIGHT: "4",
        GMAIL_POLL_INTERVAL_S: "0.2",
        GMAIL_API_BASE_URL: fake.url,
        GOOGLE_OAUTH_TOKEN_URL: fake.tokenUrl,
        GMAIL_CLIENT_ID: fake.oauth.clientId,
        GMAIL_CLIENT_SECRET: fake.oauth.clientSecret,
        GMAIL_REFRESH_TOKEN: fake.oauth.initialRefreshToken
      }
      const first = yield* ConnectorProcess.start(env, "gmail")
      yield* waitForRows(100, first.output)
      yield* first.kill9
      assert.isBelow((yield* inbox).length, mails.length, "the kill must happen mid-mailbox")

      const more = Array.from({ length: 150 }, () => fake.addMessage({ shape: "full_text_plain_only" }))
      const second = yield* ConnectorProcess.start(env, "gmail")
      const all = [...mails, ...more]
      yield* waitForRows(all.length, second.output)
      yield* E2E.waitFor("the checkpoint at the mailbox's history id", () => {
        try {
          return JSON.parse(Fs.readFileSync(cursorPath, "utf8")).history_id === String(fake.mailbox.historyId)
        } catch {
          return false
        }
      })
      assert.strictEqual(yield* second.terminate, 0)

      const rows = yield* inbox
      assert.strictEqual(rows.length, all.length)
      assert.isTrue(rows.every((r) => r.n === 1), "each mail once")
      assert.deepStrictEqual(rows.map((r) => r.id).sort(), all.map((m) => m.messageId).sort())
      for (const output of [first.output(), second.output()]) {
        assert.notInclude(output, fake.oauth.clientSecret)
        assert.notInclude(output, fake.oauth.initialRefreshToken)
      }
      assert.include(second.output(), "resuming from checkpoint")
    })), { timeout: 180_000 })
})
