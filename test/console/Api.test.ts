/**
 * The console API (issue 12) over a real hub, real Postgres, a running delivery worker and real HTTP
 * receivers: every route is in /openapi.json and checks its role (every route × viewer, operator, admin
 * and the narrow ingest role); targets and routes are managed over HTTP with the secret answered once;
 * the rule evaluator agrees with the router; a test send is signed; hostile parameters and bodies are the
 * caller's 400 and never disturb valid traffic sent at the same time.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import {
  DeadLetterListResponse,
  DeliveriesResponse,
  HubStatusResponse,
  RequestDetailResponse,
  RequestListResponse,
  RouteEvaluationResponse,
  RouteListResponse,
  RouteResponse,
  TargetCreatedResponse,
  TargetListResponse,
  TargetPauseResponse,
  TargetTestResponse
} from "../../src/domain/Console.js"
import * as Receiver from "../delivery/support/Receiver.js"
import * as S from "../delivery/support/Scenario.js"
import { verify } from "../delivery/support/StandardWebhooks.js"
import { fastDelivery } from "../delivery/support/TestOptions.js"
import * as Wait from "../delivery/support/Wait.js"
import { request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"

// The test receivers listen on loopback; the test send follows the delivery worker's address rules.
process.env.SWITCHBOARD_DELIVERY_ALLOW_PRIVATE = "true"

const Hub = DeliveryWorker.layerWith(fastDelivery).pipe(Layer.provideMerge(TestHub.layer))

const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  Effect.flatMap(TestHub.TestHub, (hub) =>
    request(`${hub.url}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" })
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    }))

const decode = <A, I>(schema: Schema.Schema<A, I>, body: unknown): A => Schema.decodeUnknownSync(schema)(body)

const message = (body: unknown): string =>
  typeof body === "object" && body !== null && "message" in body ? String(body.message) : JSON.stringify(body)

/** Every console route, with the lowest role that may call it (Permissions.ts) and a body it accepts or refuses after the check. */
const routes: ReadonlyArray<{ readonly method: string; readonly path: string; readonly needs: "viewer" | "operator" | "admin"; readonly body?: unknown }> = [
  { method: "GET", path: "/api/requests", needs: "operator" },
  { method: "GET", path: "/api/requests/00000000-0000-7000-8000-000000000000", needs: "operator" },
  { method: "GET", path: "/api/requests/by-key/nope", needs: "operator" },
  { method: "POST", path: "/api/requests/00000000-0000-7000-8000-000000000000/replay", needs: "operator", body: {} },
  { method: "POST", path: "/api/requests/replay", needs: "operator", body: { filter: { since: "1h" }, dry_run: true } },
  { method: "GET", path: "/api/targets", needs: "operator" },
  { method: "POST", path: "/api/targets", needs: "admin", body: { name: "role-probe", url: "http://127.0.0.1:9/x" } },
  { method: "PATCH", path: "/api/targets/nope", needs: "admin", body: { rotate_secret: true } },
  { method: "DELETE", path: "/api/targets/nope", needs: "admin" },
  { method: "POST", path: "/api/targets/nope/pause", needs: "operator" },
  { method: "POST", path: "/api/targets/nope/resume", needs: "operator" },
  { method: "POST", path: "/api/targets/nope/test", needs: "operator" },
  { method: "GET", path: "/api/routes", needs: "operator" },
  { method: "POST", path: "/api/routes", needs: "admin", body: { target: "nope" } },
  { method: "PATCH", path: "/api/routes/999999", needs: "admin", body: { priority: 5 } },
  { method: "DELETE", path: "/api/routes/999999", needs: "admin" },
  {
    method: "POST",
    path: "/api/routes/evaluate",
    needs: "operator",
    body: { channel: "sandbox", provider: "sandbox", endpoint_identity: "e", sender_identity: "s", normalized_text: "t" }
  },
  { method: "GET", path: "/api/deadletters", needs: "operator" },
  { method: "POST", path: "/api/deadletters/1/replay", needs: "operator" },
  { method: "POST", path: "/api/deadletters/replay", needs: "operator", body: { target: "nope" } },
  { method: "GET", path: "/api/deliveries", needs: "viewer" },
  { method: "GET", path: "/api/status", needs: "viewer" }
]

const RANK = { viewer: 0, operator: 2, admin: 5 } as const

layer(Hub, { excludeTestServices: true, timeout: 180_000 })("the console API", (it) => {
  it.effect("every route is in /openapi.json, refuses anonymous callers and checks its role", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const openapi = yield* call("GET", "/openapi.json", undefined)
      const paths = (openapi.body as { readonly paths: Record<string, Record<string, unknown>> }).paths
      for (const r of routes) {
        const template = r.path
          .replace(/\/api\/requests\/by-key\/[^/]+/, "/api/requests/by-key/{dedupe_key}")
          .replace(/\/api\/requests\/[0-9a-f-]{36}/, "/api/requests/{id}")
          .replace(/\/api\/(targets)\/nope/, "/api/$1/{name}")
          .replace(/\/api\/(routes)\/999999/, "/api/$1/{id}")
          .replace(/\/api\/deadletters\/1\//, "/api/deadletters/{id}/")
        assert.isDefined(paths[template]?.[r.method.toLowerCase()], `${r.method} ${template} is in the OpenAPI document`)
      }
      const tokens = {
        viewer: (yield* hub.mintToken({ role: "viewer" })).token,
        operator: (yield* hub.mintToken({ role: "operator" })).token,
        admin: hub.token,
        ingest: (yield* hub.mintToken({ role: "ingest" })).token
      }
      for (const r of routes) {
        const anonymous = yield* call(r.method, r.path, undefined, r.body)
        assert.strictEqual(anonymous.status, 401, `${r.method} ${r.path} anonymous`)
        for (const role of ["viewer", "operator", "admin", "ingest"] as const) {
          const answer = yield* call(r.method, r.path, tokens[role], r.body)
          const may = role !== "ingest" && RANK[role] >= RANK[r.needs]
          if (may) {
            assert.notInclude([401, 403, 500], answer.status, `${role} ${r.method} ${r.path}: ${message(answer.body)}`)
          } else {
            assert.strictEqual(answer.status, 403, `${role} ${r.method} ${r.path}`)
            assert.include(message(answer.body), "needs role", `${role} ${r.method} ${r.path}`)
          }
        }
      }
    }))

  it.scoped("targets and routes over HTTP: the secret is answered once, pause holds and resume delivers, the evaluator agrees with the router", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const receiver = yield* Receiver.make()
      const created = yield* call("POST", "/api/targets", hub.token, { name: "crm", url: `${receiver.url}/hook` })
      assert.strictEqual(created.status, 201, message(created.body))
      const { secret, target } = decode(TargetCreatedResponse, created.body).data
      assert.isString(secret)
      assert.deepStrictEqual([target.kind, target.paused_at], ["webhook", null])

      const listed = decode(TargetListResponse, (yield* call("GET", "/api/targets", hub.token)).body)
      assert.notInclude(JSON.stringify(listed), secret ?? "?", "the secret is never shown again")
      assert.strictEqual(listed.data.find((t) => t.name === "crm")?.secret_fingerprint, target.secret_fingerprint)

      const again = yield* call("POST", "/api/targets", hub.token, { name: "crm", url: `${receiver.url}/hook` })
      assert.strictEqual(again.status, 409)

      const route = yield* call("POST", "/api/routes", hub.token, { target: "crm", endpoint_identity: "console-api", text_pattern: "invoice", ignore_case: true })
      assert.strictEqual(route.status, 201, message(route.body))
      const rule = decode(RouteResponse, route.body).data
      const patched = decode(RouteResponse, (yield* call("PATCH", `/api/routes/${rule.id}`, hub.token, { priority: 10 })).body).data
      assert.deepStrictEqual([patched.priority, patched.text_pattern, patched.target], [10, "invoice", "crm"])
      const badPattern = yield* call("PATCH", `/api/routes/${rule.id}`, hub.token, { text_pattern: "(a" })
      assert.strictEqual(badPattern.status, 400, "an invalid pattern is refused as routes add refuses it")
      assert.strictEqual(decode(RouteListResponse, (yield* call("GET", "/api/routes", hub.token)).body).data[0]?.text_pattern, "invoice")

      const sample = { channel: "sandbox", provider: "sandbox", endpoint_identity: "console-api", sender_identity: "u" }
      const yes = decode(RouteEvaluationResponse, (yield* call("POST", "/api/routes/evaluate", hub.token, { ...sample, normalized_text: "Your INVOICE" })).body).data
      assert.deepStrictEqual(yes.targets, ["crm"])
      assert.deepStrictEqual(yes.rules.find((r) => r.id === rule.id)?.result, "matched")
      const no = decode(RouteEvaluationResponse, (yield* call("POST", "/api/routes/evaluate", hub.token, { ...sample, normalized_text: "hello" })).body).data
      assert.notInclude(no.targets, "crm")

      // A test send is signed with the target's secret, like a delivery.
      const tested = decode(TargetTestResponse, (yield* call("POST", "/api/targets/crm/test", hub.token)).body).data
      assert.deepStrictEqual([tested.ok, tested.status], [true, 204])
      const probe = receiver.received().at(-1)
      assert.isDefined(probe)
      assert.strictEqual(verify(secret ?? "", probe!.headers, probe!.body, Math.floor(Date.now() / 1000)), "ok")
      receiver.answer(() => ({ status: 500, body: "down for maintenance" }))
      const failing = decode(TargetTestResponse, (yield* call("POST", "/api/targets/crm/test", hub.token)).body).data
      assert.deepStrictEqual([failing.ok, failing.status, failing.response_excerpt], [false, 500, "down for maintenance"])
      receiver.answer(() => Receiver.ok)

      // Pause: the request waits (nothing reaches the receiver); resume: it is delivered once.
      yield* S.refresh
      const paused = decode(TargetPauseResponse, (yield* call("POST", "/api/targets/crm/pause", hub.token)).body).data
      assert.isString(paused.target.paused_at)
      const before = receiver.received().length
      const id = yield* S.ingest(S.envelope("console-api-1", { endpoint: "console-api", text: "invoice 42" }))
      yield* Wait.untilTrue("held on /api/deliveries", Effect.map(call("GET", "/api/deliveries", hub.token), (r) =>
        decode(DeliveriesResponse, r.body).data.targets.some((t) => t.target === "crm" && t.paused && t.pending === 1)))
      // Held for good once the worker has parked it (no next attempt while paused).
      yield* Wait.untilTrue("parked", Effect.map(call("GET", `/api/requests/${id}`, hub.token), (r) =>
        decode(RequestDetailResponse, r.body).data.deliveries.some((d) => d.paused && d.status === "pending" && d.next_attempt_at === null)))
      assert.strictEqual(receiver.received().length, before, "nothing is delivered to a paused target")
      const resumed = decode(TargetPauseResponse, (yield* call("POST", "/api/targets/crm/resume", hub.token)).body).data
      // 1 when the worker had parked the row; 0 when it still held its claim (the worker then sees the resume
      // and releases the row itself): either way it is delivered exactly once, below.
      assert.strictEqual(resumed.target.paused_at, null)
      assert.include([0, 1], resumed.deliveries)
      yield* S.waitForState(id, "delivered")
      assert.strictEqual(receiver.received().filter((r) => Receiver.header(r, "webhook-id").includes(id.replace(/-/g, ""))).length, 1)

      // Rotation answers a new secret once; the next delivery is signed with it.
      const rotated = decode(TargetCreatedResponse, (yield* call("PATCH", "/api/targets/crm", hub.token, { rotate_secret: true })).body).data
      assert.isString(rotated.secret)
      assert.notStrictEqual(rotated.secret, secret)

      const removed = yield* call("DELETE", "/api/targets/crm", hub.token)
      assert.strictEqual(removed.status, 200)
      assert.strictEqual((yield* call("DELETE", "/api/targets/crm", hub.token)).status, 404)
    }))

  it.scoped("a request's detail shows each attempt; replay delivers it again with the same webhook-id; lists page by cursor", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const receiver = yield* Receiver.make()
      yield* S.addTarget("replayed", receiver.url)
      yield* S.addRoute({ endpoint_identity: "console-replay", target: "replayed" })
      yield* S.refresh
      const ids = yield* Effect.forEach([1, 2, 3], (n) => S.ingest(S.envelope(`console-replay-${n}`, { endpoint: "console-replay" })))
      yield* Effect.forEach(ids, (id) => S.waitForState(id, "delivered"))

      const first = decode(RequestListResponse, (yield* call("GET", "/api/requests?endpoint=console-replay&limit=2", hub.token)).body)
      assert.strictEqual(first.data.length, 2)
      assert.isString(first.meta.next_cursor)
      const second = decode(RequestListResponse, (yield* call("GET", `/api/requests?endpoint=console-replay&limit=2&cursor=${first.meta.next_cursor}`, hub.token)).body)
      assert.deepStrictEqual([...first.data, ...second.data].map((r) => r.request_id).sort(), [...ids].sort())
      assert.isUndefined(second.meta.next_cursor, "the last page has no next_cursor")

      const id = ids[0]!
      const detail = decode(RequestDetailResponse, (yield* call("GET", `/api/requests/${id}`, hub.token)).body).data
      const delivery = detail.deliveries.find((d) => d.target === "replayed")
      assert.deepStrictEqual([delivery?.status, delivery?.history.length, delivery?.history[0]?.status], ["delivered", 1, 204])
      assert.strictEqual(detail.dedupe.rule, "external_event_id")
      const byKey = decode(RequestDetailResponse, (yield* call("GET", `/api/requests/by-key/${encodeURIComponent(detail.dedupe_key)}`, hub.token)).body)
      assert.strictEqual(byKey.data.request_id, id)

      const replay = yield* call("POST", `/api/requests/${id}/replay`, hub.token, {})
      assert.strictEqual(replay.status, 200, message(replay.body))
      yield* Wait.untilTrue("second attempt recorded", Effect.map(call("GET", `/api/requests/${id}`, hub.token), (r) =>
        decode(RequestDetailResponse, r.body).data.deliveries.some((d) => d.status === "delivered" && d.history.length === 2)))
      const arrivals = receiver.received().filter((r) => Receiver.header(r, "webhook-id") === delivery?.webhook_id)
      assert.strictEqual(arrivals.length, 2, "the replay arrives with the original webhook-id")

      const dry = yield* call("POST", "/api/requests/replay", hub.token, { filter: { endpoint: "console-replay" }, dry_run: true })
      assert.strictEqual((dry.body as { data: { matched: number } }).data.matched, 3)
      const everything = yield* call("POST", "/api/requests/replay", hub.token, { filter: {} })
      assert.strictEqual(everything.status, 400, "a bulk replay names a filter")

      const letters = decode(DeadLetterListResponse, (yield* call("GET", "/api/deadletters?limit=5", hub.token)).body)
      assert.isArray(letters.data)
      const status = decode(HubStatusResponse, (yield* call("GET", "/api/status", hub.token)).body).data
      assert.deepStrictEqual([status.status, status.database.reachable], ["ok", true])
    }))

  it.scoped("hostile parameters and bodies are 400s naming what is wrong, and valid calls sent alongside still answer", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const deep = "[".repeat(5000) + "]".repeat(5000)
      const hostile: ReadonlyArray<readonly [string, string, unknown, string]> = [
        ["GET", "/api/requests?channel=%00", undefined, "channel"],
        ["GET", `/api/requests?sender=${"s".repeat(2000)}`, undefined, "sender"],
        ["GET", "/api/requests?q=ab", undefined, "q"],
        ["GET", "/api/requests?q=%40%40%40%40", undefined, "letters or digits"],
        ["GET", `/api/requests?q=${"x".repeat(300)}`, undefined, "q"],
        ["GET", "/api/requests?since=2026-02-30T00:00:00Z", undefined, "since"],
        ["GET", "/api/requests?since=99999999999999d", undefined, "since"],
        ["GET", "/api/requests?lifecycle=nope", undefined, "lifecycle"],
        ["GET", "/api/requests?limit=100000", undefined, "limit"],
        ["GET", "/api/requests?cursor=not-a-cursor", undefined, "cursor"],
        ["GET", "/api/deadletters?cursor=%27%3B--", undefined, "cursor"],
        ["POST", "/api/routes", deep, "deep"],
        ["POST", "/api/routes", { target: "x", unknown: 1 }, "unknown"],
        ["POST", "/api/routes", { target: "x".repeat(5000) }, "target"],
        ["POST", "/api/targets", { name: "ok", url: "file:///etc/passwd" }, "url"],
        ["POST", "/api/targets", { name: "ok", url: "http://169.254.169.254/" }, "refused"],
        ["POST", "/api/targets", '{"name":"ok","url":"http://127.0.0.1:9/\\ud800"}', "surrogate"],
        ["POST", "/api/targets", "{not json", "JSON"],
        ["POST", "/api/requests/replay", { filter: { q: "\u0000abc" } }, "filter.q"],
        ["POST", "/api/routes/evaluate", { channel: 1 }, "channel"]
      ]
      const valid = Effect.forEach([1, 2, 3, 4, 5, 6], () =>
        Effect.map(call("GET", "/api/status", hub.token), (r) => r.status), { concurrency: 3 })
      const [answers, statuses] = yield* Effect.all([
        Effect.forEach(hostile, ([method, path, body]) => call(method, path, hub.token, body), { concurrency: 6 }),
        valid
      ], { concurrency: 2 })
      hostile.forEach(([method, path, , names], i) => {
        const answer = answers[i]!
        assert.strictEqual(answer.status, 400, `${method} ${path.slice(0, 60)}: ${message(answer.body)}`)
        assert.include(message(answer.body).toLowerCase(), names.toLowerCase(), `${method} ${path.slice(0, 60)}`)
      })
      assert.deepStrictEqual(statuses, [200, 200, 200, 200, 200, 200])
      const big = yield* call("POST", "/api/routes", hub.token, JSON.stringify({ target: "x", pad: "y".repeat(100_000) }))
      assert.strictEqual(big.status, 413)
    }))
})
