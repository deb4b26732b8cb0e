/**
 * Push mode, as an operator runs it: a hub process hosting the gmail connector (SWITCHBOARD_CONNECTORS=gmail,
 * GMAIL_PUBSUB_ENABLED=true). It calls users.watch at start; POST /gmail/<endpoint>/push is verified
 * before its body is read (shared ?token= or the OIDC bearer signed by "Google"), 401 without
 * credentials, 403 with wrong ones, 400 for a body that is not this mailbox's notification, and 204 once
 * the history fetch is scheduled — the mail then arrives without waiting for the (hour-long) poll.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import pg from "pg"
import * as HubProcess from "../../delivery/support/HubProcess.js"
import * as FakeGmail from "../../support/FakeGmail.js"
import * as TestDatabase from "../../support/TestDatabase.js"
import * as E2E from "../../telegram/EndToEnd.js"

const MAILBOX = "push@example.com"
const ENDPOINT = `gmail:user:${MAILBOX}`
const SHARED = "push-shared-token-0123456789"
const AUDIENCE = "https://hub.example.test/gmail"
const SERVICE_ACCOUNT = "gmail-push@switchboard-test.iam.gserviceaccount.com"

const pushBody = (emailAddress: string, historyId: number | string) =>
  JSON.stringify({
    message: {
      data: Buffer.from(JSON.stringify({ emailAddress, historyId })).toString("base64"),
      messageId: "7514282652270598",
      publishTime: "2023-04-24T11:31:42.877Z"
    },
    subscription: "projects/switchboard-test/subscriptions/gmail-push"
  })

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body })
    return { status: res.status, text: await res.text() }
  })

const inboxCount = (url: string) =>
  Effect.promise(async () => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const r = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM message_inbox WHERE source_endpoint_identity = $1",
        [ENDPOINT]
      )
      return r.rows[0]?.n ?? 0
    } finally {
      await client.end()
    }
  })

describe("gmail push mode in the hub", () => {
  it.live("watch at start; pushes verified by token or OIDC; a good push brings the mail in at once", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* FakeGmail.make({ emailAddress: MAILBOX })
      const db = yield* TestDatabase.freshLocalDatabase
      const dir = yield* E2E.tempDir
      const cursorPath = Path.join(dir, "gmail_cursor.json")
      Fs.writeFileSync(cursorPath, JSON.stringify({ history_id: String(fake.mailbox.historyId), last_updated_at: new Date().toISOString() }))
      const hub = yield* HubProcess.start({
        DATABASE_URL: db.url,
        SWITCHBOARD_CONNECTORS: "gmail",
        CONNECTOR_ENDPOINT_IDENTITY: ENDPOINT,
        CONNECTOR_CURSOR_PATH: cursorPath,
        CONNECTOR_BLOB_STORE_DIR: Path.join(dir, "blobs"),
        GMAIL_POLL_INTERVAL_S: "3600",
        GMAIL_PUBSUB_ENABLED: "true",
        GMAIL_PUBSUB_TOPIC: "projects/switchboard-test/topics/gmail",
        GMAIL_PUBSUB_VERIFICATION_TOKEN: SHARED,
        GMAIL_PUBSUB_AUDIENCE: AUDIENCE,
        GMAIL_PUBSUB_SERVICE_ACCOUNT: SERVICE_ACCOUNT,
        GOOGLE_OIDC_JWKS_URL: fake.jwksUrl,
        GMAIL_API_BASE_URL: fake.url,
        GOOGLE_OAUTH_TOKEN_URL: fake.tokenUrl,
        GMAIL_CLIENT_ID: fake.oauth.clientId,
        GMAIL_CLIENT_SECRET: fake.oauth.clientSecret,
        GMAIL_REFRESH_TOKEN: fake.oauth.initialRefreshToken
      })
      yield* Effect.promise(() => fake.whenRequested("watch", 1))
      // the first poll (from the saved cursor) has run once history.list was asked
      yield* Effect.promise(() => fake.whenRequested("history.list", 1))
      const url = `${hub.url}/gmail/${encodeURIComponent(ENDPOINT)}/push`
      const historyId = () => fake.mailbox.historyId

      const refused = [
        [yield* post(url, pushBody(MAILBOX, historyId())), 401],
        [yield* post(`${url}?token=wrong-token`, pushBody(MAILBOX, historyId())), 403],
        [yield* post(url, pushBody(MAILBOX, historyId()), { authorization: `Bearer ${yield* fake.oauth.signPushToken({ audience: "https://elsewhere", email: SERVICE_ACCOUNT })}` }), 403],
        [yield* post(url, pushBody(MAILBOX, historyId()), { authorization: `Bearer ${yield* fake.oauth.signPushToken({ audience: AUDIENCE, email: SERVICE_ACCOUNT, unknownKey: true })}` }), 403],
        [yield* post(url, pushBody(MAILBOX, historyId()), { authorization: `Bearer ${yield* fake.oauth.signPushToken({ audience: AUDIENCE, email: "someone@else.test" })}` }), 403],
        [yield* post(`${url}?token=${SHARED}`, "not json"), 400],
        [yield* post(`${url}?token=${SHARED}`, pushBody("other@example.com", historyId())), 400],
        [yield* post(`${url}?token=${SHARED}`, JSON.stringify({ message: { data: "!!" } })), 400]
      ] as const
      for (const [res, status] of refused) assert.strictEqual(res.status, status, res.text)
      assert.include(refused[0][0].text, "Unauthorized")

      const first = fake.addMessage({ shape: "full_text_plain_only" })
      const byToken = yield* post(`${url}?token=${SHARED}`, pushBody(MAILBOX, Number(first.historyId)))
      assert.strictEqual(byToken.status, 204, byToken.text)
      const waitRows = (n: number) =>
        inboxCount(db.url).pipe(
          Effect.repeat({ until: (c) => c >= n, schedule: Schedule.spaced("100 millis") }),
          Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error(`inbox did not reach ${n}: ${hub.stdout().slice(-2000)}`) }),
          Effect.orDie
        )
      yield* waitRows(1)

      fake.addMessage({ shape: "full_multipart_alternative" })
      const jwt = yield* fake.oauth.signPushToken({ audience: AUDIENCE, email: SERVICE_ACCOUNT })
      // Google's documented example has historyId as a string
      const byOidc = yield* post(url, pushBody(MAILBOX, String(historyId())), { authorization: `Bearer ${jwt}` })
      assert.strictEqual(byOidc.status, 204, byOidc.text)
      yield* waitRows(2)

      const metrics = yield* Effect.promise(() => fetch(`${hub.url}/metrics`).then((r) => r.text()))
      assert.include(metrics, "switchboard_gmail_push_requests_total{outcome=\"accepted\"} 2")
      assert.include(metrics, "switchboard_gmail_push_requests_total{outcome=\"forbidden\"} 4")
      assert.notInclude(hub.stdout(), SHARED)
      assert.notInclude(hub.stdout(), fake.oauth.clientSecret)
    })), { timeout: 120_000 })
})
