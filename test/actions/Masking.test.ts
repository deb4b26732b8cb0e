import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import { mask } from "../../src/actions/Mask.js"
import { type JsonResponse, request } from "../support/Http.js"
import * as AH from "./support/ActionsHub.js"
import * as Fake from "./support/FakeProviders.js"

describe("masking", () => {
  it("keeps the first 4 and last 2 characters of an id of 10 or more, and masks shorter ones fully", () => {
    assert.strictEqual(mask("a1b2c3d4e5f6g7h8i9j0"), "a1b2****j0")
    assert.strictEqual(mask("59833787-2cf9-4fdf-8782-e53db20768a5"), "5983****a5")
    assert.strictEqual(mask("123456789"), "****")
    assert.strictEqual(mask(1042), "****")
  })
})

/** Every log entry field there may be (anything else could carry a payload value). */
const ENTRY_FIELDS = new Set(["ts", "caller", "action", "connector", "status", "ms", "ids_masked", "external_id", "error", "upstream_status"])

layer(AH.layer, { excludeTestServices: true, timeout: 120_000 })("the action log and every other output", (it) => {
  it.effect("hold no key, secret, address, message text or Notion property, and ids are masked", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const { id: callerId, token } = yield* hub.mint({ plan: "pro" })
      const payload = {
        text: "zzPayloadTextQ1",
        subject: "zzSubjectLineQ2",
        to: "zz.recipient.q3@example.com",
        property: "zzPropertyNameQ4",
        value: "zzPropertyValueQ5",
        cell: "zzCellValueQ6",
        channel: "#zz-channel-q7",
        key: "zz-idempotency-q8"
      }
      const responses: Array<JsonResponse> = []
      const call = (action: string, body: unknown, headers: Record<string, string> = {}) =>
        request(`${hub.url}/actions/${action}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
          body: JSON.stringify(body)
        }).pipe(Effect.tap((r) => Effect.sync(() => responses.push(r))))

      const notionBody = { database_id: Fake.NOTION_DATABASE, props: { [payload.property]: { rich_text: [{ text: { content: payload.value } }] } } }
      yield* call("slack.send", { text: payload.text, channel: payload.channel })
      yield* call("notion.create", notionBody, { "idempotency-key": payload.key })
      yield* call("notion.create", notionBody, { "idempotency-key": payload.key })
      yield* call("sheets.append", { range: "Sheet1!A1", values: [[payload.cell, payload.text]] })
      yield* call("telegram.send", { text: payload.text })
      yield* call("email.send", { to: payload.to, subject: payload.subject, text: payload.text })
      // Failures too: refused by the provider, rejected by validation, unknown database.
      hub.fake.inject("resend", { status: 422, body: { statusCode: 422, name: "validation_error", message: `Invalid \`to\` field: ${payload.to}` } })
      yield* call("email.send", { to: payload.to, subject: payload.subject, text: payload.text })
      yield* call("email.send", { to: `${payload.to}>`, subject: payload.subject, text: payload.text })
      yield* call("notion.create", { database_id: "e".repeat(32), props: { [payload.property]: payload.value } })
      assert.deepStrictEqual(responses.map((r) => r.status), [200, 200, 200, 200, 200, 200, 502, 400, 502])

      const entries = yield* AH.waitForLog(hub.logPath, responses.length)
      assert.strictEqual(entries.length, responses.length)
      for (const e of entries) {
        for (const key of Object.keys(e)) assert.isTrue(ENTRY_FIELDS.has(key), `unexpected log field ${key}`)
        assert.strictEqual(e["caller"], callerId)
        assert.strictEqual(e["ids_masked"], true)
        assert.isNumber(e["ms"])
        if (e["external_id"] !== undefined) assert.match(String(e["external_id"]), /^(.{4}\*\*\*\*.{2}|\*\*\*\*)$/)
      }
      assert.deepStrictEqual(entries.map((e) => e["status"]), ["sent", "created", "replayed", "appended", "sent", "sent", "error", "error", "error"])
      assert.deepStrictEqual(entries.filter((e) => e["error"] !== undefined).map((e) => [e["error"], e["upstream_status"]]), [
        ["upstream_error", 422],
        ["validation_error", undefined],
        ["upstream_error", 404]
      ])
      assert.isDefined(entries[1]!["external_id"], "the Notion page id is logged, masked")

      const metrics = yield* request(`${hub.url}/metrics`)
      assert.include(String(metrics.body), "switchboard_action_calls_total")
      const usage = yield* request(`${hub.url}/actions/usage`, { headers: { authorization: `Bearer ${token}` } })
      const outputs = [
        Fs.readFileSync(hub.logPath, "utf8"),
        hub.hubLogs.join("\n"),
        ...responses.map((r) => `${JSON.stringify(r.body)} ${JSON.stringify([...r.headers.entries()])}`),
        String(metrics.body),
        JSON.stringify(usage.body)
      ].join("\n")
      assert.include(hub.hubLogs.join("\n"), "action call", "the log stream carries the entries too")

      const privateKey = String((JSON.parse(hub.fake.account.json) as { private_key: string }).private_key)
      const secrets = [
        token,
        Fake.NOTION_KEY,
        Fake.RESEND_KEY,
        Fake.TELEGRAM_TOKEN,
        Fake.SLACK_PATH.split("/").at(-1)!,
        hub.fake.env()["GOOGLE_SERVICE_ACCOUNT_JSON"]!,
        privateKey.split("\n")[1]!,
        ...hub.fake.accessTokens.keys(),
        ...hub.fake.callsTo("resend").map((c) => String(c.headers["idempotency-key"])),
        ...Object.values(payload),
        Fake.TELEGRAM_CHAT
      ]
      for (const secret of secrets) {
        assert.isAbove(secret.length, 5)
        assert.notInclude(outputs, secret, `an output contains ${secret.slice(0, 12)}…`)
      }
    }))
})
