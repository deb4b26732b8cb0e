import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { field, type JsonResponse, request } from "../support/Http.js"
import * as AH from "./support/ActionsHub.js"

const send = (action: string, token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
  Effect.flatMap(AH.ActionsHub, (hub) =>
    request(`${hub.url}/actions/${action}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
      body: JSON.stringify(body)
    }))

const statuses = (responses: ReadonlyArray<JsonResponse>) =>
  responses.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {})

layer(AH.layer, { excludeTestServices: true, timeout: 120_000 })("quotas, plans, roles and idempotent repeats", (it) => {
  it.effect("50 concurrent calls on a free plan: exactly 1 success and 49 × 402, the provider called once", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const { token } = yield* hub.mint({ plan: "free" })
      hub.fake.delayMs = 50
      const before = hub.fake.emails.length
      const answers = yield* Effect.all(
        Array.from({ length: 50 }, (_, i) => send("email.send", token, { to: "ada@example.com", subject: `s${i}`, text: "t" })),
        { concurrency: "unbounded" }
      )
      hub.fake.delayMs = 0
      assert.deepStrictEqual(statuses(answers), { 200: 1, 402: 49 })
      assert.strictEqual(hub.fake.emails.length - before, 1)
      const limited = answers.find((r) => r.status === 402)!
      assert.strictEqual(field(limited.body, "error"), "rate_limited")
      assert.strictEqual(field(limited.body, "message"), "Free plan: 1 email call/day. Upgrade for unlimited.")
      assert.strictEqual(field(limited.body, "upgrade"), "/pricing")
      const metrics = String((yield* request(`${hub.url}/metrics`)).body)
      assert.match(metrics, /switchboard_action_quota_rejections_total\{action="email\.send"\} 49/)
      assert.match(metrics, /switchboard_action_calls_total\{[^}]*outcome="rate_limited"[^}]*\} 49/)
      assert.include(metrics, "switchboard_action_provider_latency_seconds_bucket{connector=\"email\"")
      // Per action: slack still has its own call today.
      assert.strictEqual((yield* send("slack.send", token, { text: "x" })).status, 200)
      assert.strictEqual((yield* send("slack.send", token, { text: "y" })).status, 402)
    }))

  it.effect("a quota is spent only on success: a failed call leaves the day's call available", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const { token } = yield* hub.mint({ plan: "free" })
      hub.fake.inject("slack", { status: 404, body: "no_service" })
      assert.strictEqual((yield* send("slack.send", token, { text: "first" })).status, 502)
      assert.strictEqual((yield* send("slack.send", token, { text: "second" })).status, 200)
      assert.strictEqual((yield* send("slack.send", token, { text: "third" })).status, 402)
    }))

  it.effect("a pro plan is unlimited; GET /actions/usage reports today and the last 30 days per action", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const { id, token } = yield* hub.mint({ plan: "pro" })
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* send("telegram.send", token, { text: `m${i}` })).status, 200)
      const usage = yield* request(`${hub.url}/actions/usage`, { headers: { authorization: `Bearer ${token}` } })
      assert.strictEqual(usage.status, 200)
      assert.strictEqual(field(usage.body, "caller"), id)
      assert.strictEqual(field(usage.body, "plan"), "pro")
      const rows = field(usage.body, "actions") as ReadonlyArray<Record<string, unknown>>
      const telegram = rows.find((r) => r["action"] === "telegram.send")!
      assert.strictEqual(telegram["today"], 3)
      assert.strictEqual(telegram["last_30_days"], 3)
      assert.isNull(telegram["limit"])
      assert.strictEqual(rows.find((r) => r["action"] === "email.send")!["today"], 0)

      const free = yield* hub.mint({ plan: "free" })
      yield* send("slack.send", free.token, { text: "x" })
      const freeUsage = yield* request(`${hub.url}/actions/usage`, { headers: { authorization: `Bearer ${free.token}` } })
      const slack = (field(freeUsage.body, "actions") as ReadonlyArray<Record<string, unknown>>).find((r) => r["action"] === "slack.send")!
      assert.deepStrictEqual([slack["today"], slack["limit"], slack["remaining"]], [1, 1, 0])
    }))

  it.effect("only roles actions and admin may act: an ingest token must not send mail", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const before = hub.fake.emails.length
      for (const role of ["ingest", "read"] as const) {
        const { token } = yield* hub.mint({ role, plan: "pro" })
        const res = yield* send("email.send", token, { to: "ada@example.com", subject: "s", text: "t" })
        assert.strictEqual(res.status, 403, role)
        assert.strictEqual(field(res.body, "error"), "forbidden")
      }
      assert.strictEqual(hub.fake.emails.length, before)
      const admin = yield* hub.mint({ role: "admin", plan: "pro" })
      assert.strictEqual((yield* send("email.send", admin.token, { to: "ada@example.com", subject: "s", text: "t" })).status, 200)
      assert.strictEqual((yield* send("email.send", "sw_test_nottherightsecretnottherightsecretnottherig", {})).status, 401)
    }))

  it.effect("an Idempotency-Key repeat answers the first result without calling the provider or spending quota", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const { token } = yield* hub.mint({ plan: "free" })
      const body = { database_id: "d9824bdc84454327be8b5b47500af6ce", props: { Name: { title: [] } } }
      const first = yield* send("notion.create", token, body, { "idempotency-key": "invoice-7" })
      assert.strictEqual(first.status, 200)
      const calls = hub.fake.callsTo("notion").length
      const again = yield* send("notion.create", token, body, { "idempotency-key": "invoice-7" })
      assert.strictEqual(again.status, 200)
      assert.deepStrictEqual(again.body, first.body)
      assert.strictEqual(again.headers.get("idempotent-replayed"), "true")
      const byField = yield* send("notion.create", token, { ...body, idempotency_key: "invoice-7" })
      assert.deepStrictEqual(byField.body, first.body)
      assert.strictEqual(hub.fake.callsTo("notion").length, calls)
      // The same key for another body is a conflict; a new key is a new call (and the free call is spent).
      const other = yield* send("notion.create", token, { ...body, props: { Name: {} } }, { "idempotency-key": "invoice-7" })
      assert.strictEqual(other.status, 409)
      assert.strictEqual(field(other.body, "reason"), "different_request")
      assert.strictEqual((yield* send("notion.create", token, body, { "idempotency-key": "invoice-8" })).status, 402)
      const mismatch = yield* send("notion.create", token, { ...body, idempotency_key: "a" }, { "idempotency-key": "b" })
      assert.strictEqual(mismatch.status, 400)
    }))

  it.effect("a failed call releases its key: the same key may run again", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const { token } = yield* hub.mint({ plan: "pro" })
      hub.fake.inject("slack", { status: 400, body: "invalid_payload" })
      assert.strictEqual((yield* send("slack.send", token, { text: "k" }, { "idempotency-key": "retry-me" })).status, 502)
      const retried = yield* send("slack.send", token, { text: "k" }, { "idempotency-key": "retry-me" })
      assert.strictEqual(retried.status, 200)
      assert.isNull(retried.headers.get("idempotent-replayed"))
    }))

  it.effect("concurrent calls with one key: one runs, the others are 409 in_progress or replay it", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const { token } = yield* hub.mint({ plan: "pro" })
      hub.fake.delayMs = 100
      const before = hub.fake.emails.length
      const answers = yield* Effect.all(
        Array.from({ length: 10 }, () => send("email.send", token, { to: "ada@example.com", subject: "s", text: "t" }, { "idempotency-key": "same" })),
        { concurrency: "unbounded" }
      )
      hub.fake.delayMs = 0
      assert.strictEqual(hub.fake.emails.length - before, 1)
      assert.strictEqual(answers.filter((r) => r.status === 200 && r.headers.get("idempotent-replayed") === null).length, 1)
      for (const r of answers) {
        assert.isTrue(r.status === 200 || (r.status === 409 && field(r.body, "reason") === "in_progress"), JSON.stringify(r.body))
      }
    }))
})

layer(AH.layerWith({ ACTIONS_ALLOW_ANONYMOUS: "true" }), { excludeTestServices: true, timeout: 120_000 })("anonymous callers", (it) => {
  it.effect("with ACTIONS_ALLOW_ANONYMOUS=true a call without a token is a free-plan caller by address", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* send("slack.send", undefined, { text: "anon" })).status, 200)
      const second = yield* send("slack.send", undefined, { text: "anon" })
      assert.strictEqual(second.status, 402)
      const hub = yield* AH.ActionsHub
      assert.strictEqual((yield* send("slack.send", "sw_test_wrong", { text: "x" })).status, 401, "a bad token is never anonymous")
      const callers = (yield* AH.waitForLog(hub.logPath, 3)).map((e) => String(e["caller"]))
      assert.isTrue(callers.every((c) => c === "unknown" || /^anon_[0-9a-f]{16}$/.test(c)), callers.join(","))
      assert.notInclude(callers.join(","), "127.0.0.1")
    }))
})
