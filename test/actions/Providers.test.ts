import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { field, postJson, request } from "../support/Http.js"
import * as AH from "./support/ActionsHub.js"
import * as Fake from "./support/FakeProviders.js"

const send = (action: string, token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
  Effect.flatMap(AH.ActionsHub, (hub) =>
    request(`${hub.url}/actions/${action}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
      body: JSON.stringify(body)
    }))

const pro = Effect.flatMap(AH.ActionsHub, (hub) => hub.mint({ plan: "pro" }))

layer(AH.layerWith({ ACTIONS_TIMEOUT_S: "2" }), { excludeTestServices: true, timeout: 120_000 })("actions against the providers' wire formats", (it) => {
  it.effect("slack.send posts {text, channel} to the incoming webhook and answers sent", () =>
    Effect.gen(function*() {
      const { fake } = yield* AH.ActionsHub
      const { token } = yield* pro
      const res = yield* send("slack.send", token, { text: "deploy finished", channel: "#ops" })
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.body, { status: "sent" })
      const call = fake.callsTo("slack").at(-1)!
      assert.strictEqual(call.path, Fake.SLACK_PATH)
      assert.deepStrictEqual(call.body, { text: "deploy finished", channel: "#ops" })
    }))

  it.effect("notion.create creates a page in the database with Notion-Version and answers its id masked", () =>
    Effect.gen(function*() {
      const { fake } = yield* AH.ActionsHub
      const { token } = yield* pro
      const props = { Name: { title: [{ text: { content: "Invoice 7" } }] } }
      const res = yield* send("notion.create", token, { database_id: Fake.NOTION_DATABASE, props })
      assert.strictEqual(res.status, 200)
      assert.strictEqual(field(res.body, "status"), "created")
      assert.match(String(field(res.body, "id")), /^[0-9a-f]{4}\*\*\*\*[0-9a-f]{2}$/)
      const call = fake.callsTo("notion").at(-1)!
      assert.strictEqual(call.headers["notion-version"], "2022-06-28")
      assert.strictEqual(call.headers["authorization"], `Bearer ${Fake.NOTION_KEY}`)
      assert.deepStrictEqual(call.body, { parent: { database_id: Fake.NOTION_DATABASE }, properties: props })
    }))

  it.effect("sheets.append signs a service-account JWT, caches the access token, and answers the updated cells", () =>
    Effect.gen(function*() {
      const { fake } = yield* AH.ActionsHub
      const { token } = yield* pro
      const first = yield* send("sheets.append", token, { range: "Sheet1!A1:C1", values: [["a", 1, true], ["b", 2, false]] })
      assert.strictEqual(first.status, 200, JSON.stringify(first.body))
      assert.deepStrictEqual(first.body, { status: "appended", updated: 6 })
      const second = yield* send("sheets.append", token, { range: "Sheet1!A1", values: [["c"]] })
      assert.deepStrictEqual(second.body, { status: "appended", updated: 1 })
      assert.strictEqual(fake.callsTo("oauth").length, 1, "the access token is reused until it expires")
      const append = fake.callsTo("sheets").at(-1)!
      assert.include(append.path, `/v4/spreadsheets/${Fake.SPREADSHEET}/values/Sheet1!A1:append?`)
      assert.include(append.path, "valueInputOption=USER_ENTERED")
      assert.match(String(append.headers["authorization"]), /^Bearer ya29\./)

      // Sheets refusing the token (revoked) drops it: the next call signs in again.
      fake.accessTokens.clear()
      const refused = yield* send("sheets.append", token, { range: "Sheet1!A1", values: [["d"]] })
      assert.strictEqual(refused.status, 502)
      assert.strictEqual(field(refused.body, "upstream_code"), "UNAUTHENTICATED")
      const again = yield* send("sheets.append", token, { range: "Sheet1!A1", values: [["e"]] })
      assert.strictEqual(again.status, 200)
      assert.strictEqual(fake.callsTo("oauth").length, 2)
    }))

  it.effect("telegram.send uses the default chat, and a body's chat_id when given", () =>
    Effect.gen(function*() {
      const { fake } = yield* AH.ActionsHub
      const { token } = yield* pro
      const res = yield* send("telegram.send", token, { text: "hello" })
      assert.deepStrictEqual(res.body, { status: "sent" })
      assert.deepStrictEqual(fake.callsTo("telegram").at(-1)!.body, { chat_id: Fake.TELEGRAM_CHAT, text: "hello" })
      const elsewhere = yield* send("telegram.send", token, { text: "hello", chat_id: 42 })
      assert.strictEqual(elsewhere.status, 502)
      assert.strictEqual(field(elsewhere.body, "error"), "upstream_error")
      assert.strictEqual(field(elsewhere.body, "upstream_status"), 400)
      assert.notInclude(JSON.stringify(elsewhere.body), "chat not found", "the provider's description is not echoed")
    }))

  it.effect("email.send sends one email from RESEND_FROM with an Idempotency-Key", () =>
    Effect.gen(function*() {
      const { fake } = yield* AH.ActionsHub
      const { token } = yield* pro
      const res = yield* send("email.send", token, { to: "ada@example.com", subject: "Hi", text: "Body" })
      assert.deepStrictEqual(res.body, { status: "sent" })
      const call = fake.callsTo("resend").at(-1)!
      assert.deepStrictEqual(call.body, { from: "Switchboard <hub@switchboard.test>", to: ["ada@example.com"], subject: "Hi", text: "Body" })
      assert.match(String(call.headers["idempotency-key"]), /^sw-[0-9a-f]{48}$/)
      assert.strictEqual(fake.emails.length, 1)
    }))

  it.effect("400 validation_error names every bad path without echoing values", () =>
    Effect.gen(function*() {
      const { token } = yield* pro
      const res = yield* send("email.send", token, { to: "not-an-address", subject: "a\nb", extra: "zzsecretzz" })
      assert.strictEqual(res.status, 400)
      assert.strictEqual(field(res.body, "error"), "validation_error")
      assert.strictEqual(field(res.body, "_tag"), "ValidationError")
      const issues = field(res.body, "issues") as ReadonlyArray<{ path: string; message: string }>
      assert.deepStrictEqual(issues.map((i) => i.path).sort(), ["extra", "subject", "text", "to"])
      assert.notInclude(JSON.stringify(res.body), "not-an-address")
      const sheets = yield* send("sheets.append", token, { range: "", values: [[{ nested: 1 }], "row"] })
      assert.deepStrictEqual((field(sheets.body, "issues") as ReadonlyArray<{ path: string }>).map((i) => i.path), [
        "range",
        "values[0][0]",
        "values[1]"
      ])
      const unknown = yield* send("fax.send", token, {})
      assert.strictEqual(unknown.status, 404)
      assert.strictEqual(field(unknown.body, "error"), "unknown_action")
      const notJson = yield* Effect.flatMap(AH.ActionsHub, (hub) =>
        request(`${hub.url}/actions/slack.send`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: "{" }))
      assert.strictEqual(notJson.status, 400)
    }))

  it.effect("provider refusals are 502 upstream_error with the provider's status and code", () =>
    Effect.gen(function*() {
      const { fake } = yield* AH.ActionsHub
      const { token } = yield* pro
      const notion = yield* send("notion.create", token, { database_id: "0".repeat(32), props: { Name: {} } })
      assert.strictEqual(notion.status, 502)
      assert.strictEqual(field(notion.body, "upstream_status"), 404)
      assert.strictEqual(field(notion.body, "upstream_code"), "object_not_found")
      fake.inject("slack", { status: 404, body: "channel_not_found" })
      const slack = yield* send("slack.send", token, { text: "x" })
      assert.strictEqual(field(slack.body, "upstream_code"), "channel_not_found")
      fake.inject("resend", { status: 403, body: { statusCode: 403, message: "API key is invalid", name: "invalid_api_key" } })
      const email = yield* send("email.send", token, { to: "ada@example.com", subject: "s", text: "t" })
      assert.strictEqual(field(email.body, "upstream_code"), "invalid_api_key")
      assert.strictEqual(fake.callsTo("slack").filter((c) => c.raw.includes("\"x\"")).length, 1, "a 4xx is not retried")
    }))

  it.effect("429 and 5xx are retried (Retry-After and Telegram's retry_after honoured) before answering", () =>
    Effect.gen(function*() {
      const { fake } = yield* AH.ActionsHub
      const { token } = yield* pro
      fake.inject("notion", { status: 429, headers: { "retry-after": "1" }, body: { object: "error", status: 429, code: "rate_limited", message: "slow down" } })
      fake.inject("notion", { status: 502, body: { object: "error", status: 502, code: "bad_gateway", message: "x" } })
      const before = fake.callsTo("notion").length
      const res = yield* send("notion.create", token, { database_id: Fake.NOTION_DATABASE, props: { Name: {} } })
      assert.strictEqual(res.status, 200, JSON.stringify(res.body))
      const calls = fake.callsTo("notion").slice(before)
      assert.strictEqual(calls.length, 3)
      assert.isAtLeast(calls[1]!.at - calls[0]!.at, 1000, "waited the Retry-After of 1 s")

      fake.inject("telegram", { status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } } })
      const t0 = fake.callsTo("telegram").length
      const tg = yield* send("telegram.send", token, { text: "later" })
      assert.strictEqual(tg.status, 200)
      const tgCalls = fake.callsTo("telegram").slice(t0)
      assert.isAtLeast(tgCalls[1]!.at - tgCalls[0]!.at, 1000, "waited retry_after")

      // A wait the budget (ACTIONS_TIMEOUT_S=2) cannot afford is not started: 502 with the provider's hint.
      fake.inject("slack", { status: 429, headers: { "retry-after": "30" }, body: "rate_limited" })
      const s0 = fake.callsTo("slack").length
      const limited = yield* send("slack.send", token, { text: "flood" })
      assert.strictEqual(limited.status, 502)
      assert.strictEqual(field(limited.body, "upstream_status"), 429)
      assert.strictEqual(field(limited.body, "retry_after_s"), 30)
      assert.strictEqual(fake.callsTo("slack").length - s0, 1)

      // Persistent 5xx: the last status after the retries.
      fake.inject("resend", ...Array.from({ length: 4 }, () => ({ status: 500, body: { statusCode: 500, name: "internal_server_error", message: "x" } })))
      const r0 = fake.callsTo("resend").length
      const failing = yield* send("email.send", token, { to: "ada@example.com", subject: "s", text: "t" })
      assert.strictEqual(failing.status, 502)
      assert.strictEqual(field(failing.body, "upstream_code"), "internal_server_error")
      const resendCalls = fake.callsTo("resend").slice(r0)
      assert.strictEqual(resendCalls.length, 4)
      assert.strictEqual(new Set(resendCalls.map((c) => c.headers["idempotency-key"])).size, 1, "one Idempotency-Key for every retry")
    }))

  it.effect("504 upstream_timeout when the provider does not answer within ACTIONS_TIMEOUT_S", () =>
    Effect.gen(function*() {
      const { fake } = yield* AH.ActionsHub
      const { token } = yield* pro
      fake.inject("slack", { hang: true })
      const res = yield* send("slack.send", token, { text: "anyone?" })
      assert.strictEqual(res.status, 504)
      assert.strictEqual(field(res.body, "error"), "upstream_timeout")
      assert.strictEqual(field(res.body, "timeout_s"), 2)
    }))

  it.effect("a body too large is 413 before it is decoded", () =>
    Effect.gen(function*() {
      const { token } = yield* pro
      const res = yield* send("slack.send", token, { text: "x".repeat(300 * 1024) })
      assert.strictEqual(res.status, 413)
    }))

  it.effect("GET /actions/health answers which connectors are configured, without a token", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const res = yield* request(`${hub.url}/actions/health`)
      assert.deepStrictEqual(res.body, {
        status: "ok",
        connectors: { email: true, notion: true, sheets: true, slack: true, telegram: true },
        configured: 5,
        total: 5
      })
      const unauthorized = yield* postJson(`${hub.url}/actions/slack.send`, undefined, { text: "x" })
      assert.strictEqual(unauthorized.status, 401)
      assert.strictEqual(field(unauthorized.body, "error"), "unauthorized")
    }))
})

layer(AH.layerWith({ NOTION_API_KEY: "", RESEND_FROM: "", GOOGLE_SERVICE_ACCOUNT_JSON: "", GOOGLE_SHEETS_SPREADSHEET_ID: "" }), {
  excludeTestServices: true,
  timeout: 120_000
})("unconfigured actions", (it) => {
  it.effect("503 not_configured names the missing variables; health counts what is configured", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const { token } = yield* hub.mint({ plan: "pro" })
      const notion = yield* send("notion.create", token, { database_id: Fake.NOTION_DATABASE, props: { a: 1 } })
      assert.strictEqual(notion.status, 503)
      assert.strictEqual(field(notion.body, "error"), "not_configured")
      assert.deepStrictEqual(field(notion.body, "missing"), ["NOTION_API_KEY"])
      const sheets = yield* send("sheets.append", token, { range: "A1", values: [["x"]] })
      assert.deepStrictEqual(field(sheets.body, "missing"), ["GOOGLE_SERVICE_ACCOUNT_JSON", "GOOGLE_SHEETS_SPREADSHEET_ID"])
      const email = yield* send("email.send", token, { to: "ada@example.com", subject: "s", text: "t" })
      assert.deepStrictEqual(field(email.body, "missing"), ["RESEND_FROM"])
      const health = yield* request(`${hub.url}/actions/health`)
      assert.deepStrictEqual(health.body, {
        status: "ok",
        connectors: { email: false, notion: false, sheets: false, slack: true, telegram: true },
        configured: 2,
        total: 5
      })
      assert.strictEqual(hub.fake.calls.length, 0)
    }))
})
