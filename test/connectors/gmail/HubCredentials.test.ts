/**
 * The operator's path with hub-held credentials: the OAuth app and the mailbox's refresh token stored
 * with the CLI (encrypted in Postgres), a hub process, and a connector process that has no Google secret
 * of its own — it fetches them over the RPC with its scoped token. Then the refresh token is revoked:
 * polling stops, the process keeps running and its heartbeat tells the operator to re-authorise.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import * as Child from "node:child_process"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import pg from "pg"
import * as HubProcess from "../../delivery/support/HubProcess.js"
import * as FakeGmail from "../../support/FakeGmail.js"
import * as TestDatabase from "../../support/TestDatabase.js"
import * as ConnectorProcess from "../../telegram/ConnectorProcess.js"
import * as E2E from "../../telegram/EndToEnd.js"

const MAILBOX = "ops@example.com"
const ENDPOINT = `gmail:user:${MAILBOX}`
const script = Path.resolve(import.meta.dirname, "../../../scripts/switchboard")

/** `switchboard ...args` with `stdin`, on the test database. */
const cli = (args: ReadonlyArray<string>, env: Record<string, string>, stdin = "") =>
  Effect.async<{ code: number | null; stdout: string; stderr: string }>((resume) => {
    const child = Child.spawn(script, [...args], { env: { ...process.env, SWITCHBOARD_LOG_LEVEL: "warn", ...env }, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.once("exit", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    child.stdin.end(stdin)
  })

const query = <A>(url: string, text: string, values: ReadonlyArray<unknown>) =>
  Effect.promise(async () => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      return (await client.query(text, [...values])).rows as Array<A>
    } finally {
      await client.end()
    }
  })

describe("gmail credentials held by the hub", () => {
  it.live("a connector process without Google secrets gets them over the RPC; a revoked grant says re-authorise", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* FakeGmail.make({ emailAddress: MAILBOX })
      const db = yield* TestDatabase.freshLocalDatabase
      const dir = yield* E2E.tempDir
      const env = { DATABASE_URL: db.url, SWITCHBOARD_SECRETS_KEY: randomBytes(32).toString("hex") }

      const client = yield* cli(["gmail", "credentials", "client", "--client-id", fake.oauth.clientId], env, `${fake.oauth.clientSecret}\n`)
      assert.strictEqual(client.code, 0, client.stderr)
      const set = yield* cli(["gmail", "credentials", "set", "--endpoint", ENDPOINT], env, `${fake.oauth.initialRefreshToken}\n`)
      assert.strictEqual(set.code, 0, set.stderr)
      const minted = yield* cli(["token", "create", "--channel", "email", "--provider", "gmail", "--endpoint", ENDPOINT, "--json"], env)
      assert.strictEqual(minted.code, 0, minted.stderr)
      const token = String((JSON.parse(minted.stdout) as { token: string }).token)
      const stored = yield* query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM connector_secrets WHERE position(convert_to($1, 'UTF8') in ciphertext) > 0", [fake.oauth.initialRefreshToken])
      assert.strictEqual(stored[0]?.n, 0, "the refresh token is not stored in clear")

      const hub = yield* HubProcess.start({ ...env, GMAIL_CLIENT_ID: undefined, GMAIL_CLIENT_SECRET: undefined, GMAIL_REFRESH_TOKEN: undefined })
      const cursorPath = Path.join(dir, "gmail_cursor.json")
      Fs.writeFileSync(cursorPath, JSON.stringify({ history_id: String(fake.mailbox.historyId), last_updated_at: new Date().toISOString() }))
      const mails = Array.from({ length: 20 }, () => fake.addMessage({ shape: "full_multipart_alternative" }))
      const connector = yield* ConnectorProcess.start({
        SWITCHBOARD_URL: hub.url,
        SWITCHBOARD_API_TOKEN: token,
        CONNECTOR_ENDPOINT_IDENTITY: ENDPOINT,
        CONNECTOR_CURSOR_PATH: cursorPath,
        CONNECTOR_BLOB_STORE_DIR: Path.join(dir, "blobs"),
        CONNECTOR_HEARTBEAT_INTERVAL_S: "30",
        GMAIL_POLL_INTERVAL_S: "0.2",
        GMAIL_API_BASE_URL: fake.url,
        GOOGLE_OAUTH_TOKEN_URL: fake.tokenUrl,
        GMAIL_CLIENT_ID: "",
        GMAIL_CLIENT_SECRET: "",
        GMAIL_REFRESH_TOKEN: ""
      }, "gmail")
      const rows = () => query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM message_inbox WHERE source_endpoint_identity = $1", [ENDPOINT])
      yield* rows().pipe(
        Effect.repeat({ until: (r) => (r[0]?.n ?? 0) >= mails.length, schedule: Schedule.spaced("200 millis") }),
        Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`no mail arrived: ${connector.output().slice(-2000)}`) }),
        Effect.orDie
      )

      const secrets = [fake.oauth.clientSecret, fake.oauth.initialRefreshToken]
      fake.oauth.revokeRefreshToken()
      fake.revokeAccessTokens()
      fake.addMessage({ shape: "full_text_plain_only" })
      // the next heartbeat (at most 30 s) carries the error; the process keeps running
      const healthNow = query<{ state: string; error_message: string | null }>(
        db.url,
        "SELECT state, error_message FROM connector_registry WHERE connector_type = 'gmail' AND endpoint_identity = $1",
        [ENDPOINT]
      )
      yield* healthNow.pipe(
        Effect.repeat({ until: (r) => r[0]?.state === "error", schedule: Schedule.spaced("500 millis") }),
        Effect.timeoutFail({ duration: "75 seconds", onTimeout: () => new Error(`no error heartbeat: ${connector.output().split("\n").filter((l) => l.includes("heartbeat")).slice(0, 3).join("\n")}`) }),
        Effect.orDie
      )
      const health = yield* healthNow
      assert.include(health[0]?.error_message ?? "", "re-authorise")
      assert.isNull(connector.child.exitCode, "polling stops, the connector (and its heartbeats) go on")
      const counters = yield* query<{ source_counters: Record<string, number> }>(
        db.url,
        "SELECT source_counters FROM connector_registry WHERE connector_type = 'gmail' AND endpoint_identity = $1",
        [ENDPOINT]
      )
      assert.isAtLeast(counters[0]?.source_counters["oauth_refresh_failures"] ?? 0, 1)
      for (const secret of secrets) {
        assert.notInclude(connector.output(), secret)
        assert.notInclude(hub.stdout(), secret)
      }
    })), { timeout: 180_000 })
})
