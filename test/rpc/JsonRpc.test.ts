import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { sample } from "../support/Fixtures.js"
import { field, type JsonResponse, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import * as RawHttp from "./RawHttp.js"

const MiB = 1024 * 1024

/** POSTs a body (a string as is, anything else as JSON) to /jsonrpc. */
const post = (hub: TestHub.TestHubInfo, body: unknown, token: string | null = hub.token) =>
  request(`${hub.url}/jsonrpc`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body)
  })

const call = (method: string, params: unknown, id: unknown = 1) =>
  params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params }

const errorOf = (body: unknown) => field(body, "error") as { code: number; message: string; data?: unknown } | undefined

/** Asserts one JSON-RPC error answer: HTTP status, id echoed, code, and words of the message. */
const assertError = (res: JsonResponse, status: number, id: unknown, code: number, words: string) => {
  assert.strictEqual(res.status, status, JSON.stringify(res.body))
  assert.strictEqual(field(res.body, "jsonrpc"), "2.0")
  assert.deepStrictEqual(field(res.body, "id"), id)
  assert.strictEqual(errorOf(res.body)?.code, code, JSON.stringify(res.body))
  assert.include(errorOf(res.body)?.message ?? "", words)
}

const countOf = (externalId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ n: number }>`SELECT count(*)::int AS n FROM message_inbox WHERE external_event_id = ${externalId}`,
      (rows) => rows[0]?.n ?? 0
    )).pipe(Effect.orDie)

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("JSON-RPC 2.0 at /jsonrpc", (it) => {
  it.effect("echoes string, number and null ids exactly with the method's result", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      for (const id of ["abc", "", 42, -7.5, null]) {
        const res = yield* post(hub, call("Ingest", sample(`jr-id-${String(id)}`), id))
        assert.strictEqual(res.status, 200, JSON.stringify(res.body))
        assert.deepStrictEqual(field(res.body, "id"), id)
        assert.strictEqual(field(field(res.body, "result"), "status"), "accepted")
        assert.isUndefined(field(res.body, "error"))
      }
    }))

  it.effect("-32700 for a body that is not JSON, empty or not UTF-8, with id null", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      assertError(yield* post(hub, '{"jsonrpc":"2.0","id":1,"method":"Ingest"'), 200, null, -32700, "malformed JSON")
      assertError(yield* post(hub, ""), 200, null, -32700, "empty")
      assertError(yield* post(hub, new Uint8Array([0x22, 0xff, 0xfe, 0x22])), 200, null, -32700, "UTF-8")
    }))

  it.effect("-32600 for an invalid request object, naming the member; the id is echoed when it is valid", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      assertError(yield* post(hub, { jsonrpc: "1.0", id: "x", method: "Ingest" }), 200, "x", -32600, '"jsonrpc"')
      assertError(yield* post(hub, { id: 3, method: "Ingest" }), 200, 3, -32600, '"jsonrpc"')
      assertError(yield* post(hub, { jsonrpc: "2.0", id: 4, method: 5 }), 200, 4, -32600, '"method"')
      assertError(yield* post(hub, { jsonrpc: "2.0", id: 5, method: "Ingest", params: "x" }), 200, 5, -32600, '"params"')
      assertError(yield* post(hub, { jsonrpc: "2.0", id: { a: 1 }, method: "Ingest" }), 200, null, -32600, '"id"')
      assertError(yield* post(hub, { jsonrpc: "2.0", id: true, method: "Ingest" }), 200, null, -32600, '"id"')
      assertError(yield* post(hub, { jsonrpc: "2.0", id: 6, method: "Ingest", extra: 1 }), 200, 6, -32600, '"extra"')
      assertError(yield* post(hub, "5"), 200, null, -32600, "JSON object")
      assertError(yield* post(hub, "[]"), 200, null, -32600, "at least one")
      const tooMany = Array.from({ length: 501 }, (_, i) => call("Nope", undefined, i))
      assertError(yield* post(hub, tooMany), 200, null, -32600, "at most 500")
    }))

  it.effect("-32601 for an unknown method, including names every object inherits", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      for (const method of ["Nope", "ingest", "constructor", "toString", "__proto__", "rpc.discover"]) {
        assertError(yield* post(hub, call(method, {}, method)), 200, method, -32601, "Method not found")
      }
    }))

  it.effect("-32602 for params of the wrong shape, naming the expected shape", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      assertError(yield* post(hub, call("Ingest", undefined)), 200, 1, -32602, "ingest.v1 envelope")
      assertError(yield* post(hub, call("Ingest", [])), 200, 1, -32602, "exactly one")
      assertError(yield* post(hub, call("IngestBatch", { envelopes: 5 })), 200, 1, -32602, '"envelopes" must be an array')
      assertError(yield* post(hub, call("IngestBatch", { items: [] })), 200, 1, -32602, '"items"')
      assertError(yield* post(hub, call("IngestBatch", [sample("x")])), 200, 1, -32602, "IngestBatch takes")
      assertError(yield* post(hub, call("Heartbeat", [1, 2])), 200, 1, -32602, "exactly one")
    }))

  it.effect("by-position params work too: [envelope] and [[envelopes]]", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const one = yield* post(hub, call("Ingest", [sample("jr-pos-1")]))
      assert.strictEqual(field(field(one.body, "result"), "status"), "accepted")
      const batch = yield* post(hub, call("IngestBatch", [[sample("jr-pos-2"), sample("jr-pos-3")]]))
      assert.strictEqual(field(field(batch.body, "result"), "accepted"), 2)
    }))

  it.effect("IngestBatch commits a checkpoint with its envelopes; GetCheckpoint reads it back; a bad checkpoint is -32000 naming it", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const source = { channel: "sandbox", provider: "sandbox", endpoint_identity: "sandbox-1" }
      const key = { connector_type: "jr-cp", source }
      const none = yield* post(hub, call("GetCheckpoint", { key }))
      assert.deepStrictEqual(field(none.body, "result"), { checkpoint: null })
      const batch = yield* post(hub, call("IngestBatch", { envelopes: [sample("jr-cp-1")], checkpoint: { ...key, cursor: { offset: 7 } } }))
      assert.strictEqual(field(field(batch.body, "result"), "accepted"), 1, JSON.stringify(batch.body))
      const read = yield* post(hub, call("GetCheckpoint", [key]))
      const stored = field(field(read.body, "result"), "checkpoint")
      assert.deepStrictEqual(field(stored, "cursor"), { offset: 7 })
      assert.deepStrictEqual(field(stored, "source"), source)
      const alone = yield* post(hub, call("IngestBatch", [[], { ...key, cursor: { offset: 9 } }]))
      assert.strictEqual(field(field(alone.body, "result"), "accepted"), 0, JSON.stringify(alone.body))
      const moved = yield* post(hub, call("GetCheckpoint", { key }))
      assert.deepStrictEqual(field(field(field(moved.body, "result"), "checkpoint"), "cursor"), { offset: 9 })
      assertError(yield* post(hub, call("IngestBatch", { envelopes: [sample("jr-cp-2")], checkpoint: { ...key, cursor: [1] } })), 200, 1, -32000, "checkpoint.cursor")
      assert.strictEqual(yield* countOf("jr-cp-2"), 0)
      assertError(yield* post(hub, call("GetCheckpoint", { key, more: 1 })), 200, 1, -32602, '"more"')
      assertError(yield* post(hub, call("GetCheckpoint", { key: { connector_type: "jr-cp" } })), 200, 1, -32000, "source")
    }))

  it.effect("application errors carry their documented code and the tagged error as data; an envelope over 1 MiB is -32003", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const invalid = yield* post(hub, call("Ingest", { ...sample("jr-app-1"), sender: { identity: "" } }, "v"))
      assertError(invalid, 200, "v", -32000, "sender.identity")
      const data = errorOf(invalid.body)?.data
      assert.strictEqual(field(data, "_tag"), "ValidationError")
      assert.include((field(data, "issues") as ReadonlyArray<{ path: string }>).map((i) => i.path), "sender.identity")

      const elsewhere = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: "only-this" })
      const forbidden = yield* post(hub, call("Ingest", sample("jr-app-2"), "f"), elsewhere.token)
      assertError(forbidden, 200, "f", -32002, "cannot ingest")
      assert.strictEqual(field(errorOf(forbidden.body)?.data, "_tag"), "Forbidden")

      const reader = yield* hub.mintToken({ role: "read" })
      const wrongRole = yield* post(hub, call("Ingest", sample("jr-app-3"), 9), reader.token)
      assertError(wrongRole, 200, 9, -32002, "may not ingest")

      const big = { ...sample("jr-app-4"), payload: { raw: { pad: "x".repeat(1024 * 1024) }, normalized_text: "big" } }
      const tooLarge = yield* post(hub, call("Ingest", big, "big"))
      assertError(tooLarge, 200, "big", -32003, "larger than the limit of 1048576 bytes")
      assert.strictEqual(field(errorOf(tooLarge.body)?.data, "_tag"), "PayloadTooLarge")
      assert.strictEqual(yield* countOf("jr-app-4"), 0)

      const tooMany = yield* post(hub, call("IngestBatch", { envelopes: Array.from({ length: 501 }, (_, i) => sample(`jr-many-${i}`)) }))
      assertError(tooMany, 200, 1, -32000, "1 to 500")
    }))

  it.effect("a missing or unknown token is HTTP 401 with a JSON-RPC error (-32001, id null)", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const missing = yield* post(hub, call("Ingest", sample("jr-auth-1")), null)
      assertError(missing, 401, null, -32001, "missing bearer token")
      assert.strictEqual(field(errorOf(missing.body)?.data, "_tag"), "Unauthorized")
      assertError(yield* post(hub, call("Ingest", sample("jr-auth-1")), "sw_test_nope"), 401, null, -32001, "invalid token")
      assert.strictEqual(yield* countOf("jr-auth-1"), 0)
    }))

  it.effect("notifications are run and never answered: 204 for one, for a batch of only notifications, even on error", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const one = yield* post(hub, { jsonrpc: "2.0", method: "Ingest", params: sample("jr-note-1") })
      assert.strictEqual(one.status, 204)
      assert.isNull(one.body)
      assert.strictEqual(yield* countOf("jr-note-1"), 1)
      const unknown = yield* post(hub, { jsonrpc: "2.0", method: "Nope" })
      assert.strictEqual(unknown.status, 204)
      const batch = yield* post(hub, [
        { jsonrpc: "2.0", method: "Ingest", params: sample("jr-note-2") },
        { jsonrpc: "2.0", method: "Ingest", params: { bad: true } },
        { jsonrpc: "2.0", method: "Nope" }
      ])
      assert.strictEqual(batch.status, 204)
      assert.isNull(batch.body)
      assert.strictEqual(yield* countOf("jr-note-2"), 1)
    }))

  it.effect("a mixed batch answers every non-notification in request order, each alone", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const res = yield* post(hub, [
        call("Ingest", sample("jr-batch-1"), "first"),
        { jsonrpc: "2.0", method: "Ingest", params: sample("jr-batch-2") },
        { foo: "boo" },
        call("Nope", {}, 3),
        call("Ingest", { ...sample("jr-batch-3"), surprise: 1 }, 4),
        call("IngestBatch", 7, 5),
        1,
        call("Ingest", [], 6),
        call("Ingest", sample("jr-batch-1"), "again")
      ])
      assert.strictEqual(res.status, 200)
      const answers = res.body as ReadonlyArray<unknown>
      assert.deepStrictEqual(answers.map((a) => field(a, "id")), ["first", null, 3, 4, 5, null, 6, "again"])
      assert.deepStrictEqual(
        answers.map((a) => errorOf(a)?.code ?? "ok"),
        ["ok", -32600, -32601, -32000, -32600, -32600, -32602, "ok"]
      )
      assert.strictEqual(field(field(answers[7], "result"), "duplicate"), true)
      assert.strictEqual(yield* countOf("jr-batch-2"), 1)
    }))

  it.effect("IngestBatch and Heartbeat are served, with their ids echoed", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const batch = yield* post(hub, call("IngestBatch", { envelopes: [sample("jr-b-1"), { bad: 1 }, sample("jr-b-1")] }, "batch-1"))
      assert.strictEqual(field(batch.body, "id"), "batch-1")
      const result = field(batch.body, "result")
      assert.deepStrictEqual(
        (field(result, "results") as ReadonlyArray<{ status: string }>).map((r) => r.status),
        ["accepted", "rejected", "accepted"]
      )
      const rejected = (field(result, "results") as ReadonlyArray<unknown>)[1]
      assert.strictEqual(field(field(rejected, "error"), "_tag"), "ValidationError")
      const beat = yield* post(hub, call("Heartbeat", {
        schema_version: "connector.heartbeat.v1",
        connector: { connector_type: "sandbox", endpoint_identity: "jr-hb", instance_id: "0190a6e0-0000-7000-8000-000000000001" },
        status: { state: "healthy", uptime_s: 1 },
        counters: { messages_ingested: 0, messages_failed: 0, source_api_calls: 0, checkpoint_saves: 0, dedupe_accepted: 0 },
        sent_at: "2026-11-22T10:00:00Z"
      }, "beat-1"))
      assert.strictEqual(field(beat.body, "id"), "beat-1")
      assert.strictEqual(field(field(beat.body, "result"), "status"), "accepted", JSON.stringify(beat.body))
    }))

  it.effect("an anonymous 24 MiB body is refused with 401 before it is read, declared or chunked", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const headers = { "content-type": "application/json" }
      const declared = yield* RawHttp.withheldBody(hub.url, "/jsonrpc", headers, 24 * MiB, Buffer.alloc(64 * 1024, 0x20))
      assert.strictEqual(declared.status, 401)
      assert.strictEqual(declared.headers["connection"], "close")
      assert.strictEqual(errorOf(RawHttp.jsonOf(declared))?.code, -32001)
      const chunked = yield* RawHttp.withheldChunked(hub.url, "/jsonrpc", headers, Buffer.alloc(64 * 1024, 0x20))
      assert.strictEqual(chunked.status, 401)
      assert.strictEqual(errorOf(RawHttp.jsonOf(chunked))?.code, -32001)
      const wrong = yield* RawHttp.withheldBody(
        hub.url, "/jsonrpc", { ...headers, authorization: "Bearer sw_test_nope" }, 24 * MiB, Buffer.alloc(1024, 0x20)
      )
      assert.strictEqual(wrong.status, 401)
    }))

  it.effect("a body over 32 MiB with a valid token is 413: by Content-Length before reading, chunked once past the cap", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const headers = { "content-type": "application/json", authorization: `Bearer ${hub.token}` }
      const declared = yield* RawHttp.withheldBody(hub.url, "/jsonrpc", headers, 40 * MiB, Buffer.alloc(64 * 1024, 0x20))
      assert.strictEqual(declared.status, 413)
      assert.strictEqual(errorOf(RawHttp.jsonOf(declared))?.code, -32003)
      assert.strictEqual(field(errorOf(RawHttp.jsonOf(declared))?.data, "_tag"), "PayloadTooLarge")
      const chunked = yield* RawHttp.streamedChunked(hub.url, "/jsonrpc", headers, 80 * MiB)
      assert.strictEqual(chunked.status, 413)
      assert.isBelow(chunked.sent, 80 * MiB)
      assert.strictEqual(errorOf(RawHttp.jsonOf(chunked))?.code, -32003)
      assert.strictEqual((yield* request(`${hub.url}/health`)).status, 200)
    }))
})
