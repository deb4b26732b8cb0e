import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import * as Net from "node:net"
import { MAX_ENVELOPE_BYTES } from "../../src/domain/Envelope.js"
import { envelopes, sample } from "../support/Fixtures.js"
import { field, postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"

const issuesOf = (body: unknown) => (field(body, "issues") as ReadonlyArray<{ path: string }> | undefined)?.map((i) => i.path) ?? []

/**
 * Streams up to `size` bytes with chunked transfer encoding (no Content-Length) over a raw socket,
 * stops as soon as the hub answers, and reports the status line and how much was sent.
 */
const postChunked = (url: string, token: string, size: number) =>
  Effect.async<{ status: number; sent: number }>((resume) => {
    const { hostname, pathname, port } = new URL(url)
    const socket = Net.connect(Number(port), hostname)
    let sent = 0
    let answered = false
    let response = ""
    socket.on("data", (data) => {
      response += data.toString("latin1")
      if (!answered && response.includes("\r\n")) {
        answered = true
        resume(Effect.succeed({ status: Number(response.split(" ")[1]), sent }))
        socket.destroy()
      }
    })
    socket.on("error", () => {
      if (!answered) resume(Effect.succeed({ status: -1, sent }))
      answered = true
    })
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")])
    const pump = (): void => {
      while (!answered && sent < size) {
        sent += chunk.length
        if (!socket.write(frame)) return void socket.once("drain", pump)
      }
      if (!answered) socket.write("0\r\n\r\n")
    }
    socket.on("connect", () => {
      socket.write(
        `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${token}\r\n` +
          "content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
      )
      pump()
    })
  })

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("REST ingest over a real socket", (it) => {
  it.effect("accepts an envelope with 202 and answers a repeat with the same request_id and duplicate: true", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const first = yield* postJson(`${hub.url}/api/ingest`, hub.token, sample("rest-1"))
      const second = yield* postJson(`${hub.url}/api/ingest`, hub.token, sample("rest-1"))
      assert.strictEqual(first.status, 202)
      assert.strictEqual(second.status, 202)
      assert.strictEqual(field(first.body, "status"), "accepted")
      assert.strictEqual(field(first.body, "duplicate"), false)
      assert.strictEqual(field(second.body, "duplicate"), true)
      assert.strictEqual(field(second.body, "request_id"), field(first.body, "request_id"))
      assert.strictEqual(field(second.body, "received_at"), field(first.body, "received_at"))
      assert.strictEqual(field(first.body, "dedupe_key"), "event:sandbox:sandbox:sandbox-1:rest-1")
    }))

  it.effect("stores every real Telegram fixture exactly once", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const sql = yield* SqlClient.SqlClient
      for (const envelope of [...envelopes, ...envelopes]) {
        const res = yield* postJson(`${hub.url}/api/ingest`, hub.token, envelope)
        assert.strictEqual(res.status, 202, JSON.stringify(res.body))
      }
      const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM message_inbox WHERE source_channel = 'telegram'`
      assert.strictEqual(rows[0]?.n, envelopes.length)
    }))

  it.effect("200 concurrent submissions of one envelope give one row, one request_id and 199 duplicates", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const sql = yield* SqlClient.SqlClient
      const answers = yield* Effect.forEach(
        Array.from({ length: 200 }, () => sample("concurrent-1")),
        (e) => postJson(`${hub.url}/api/ingest`, hub.token, e),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual([...new Set(answers.map((a) => a.status))], [202])
      assert.strictEqual(new Set(answers.map((a) => field(a.body, "request_id"))).size, 1)
      assert.strictEqual(answers.filter((a) => field(a.body, "duplicate") === true).length, 199)
      const rows = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM message_inbox WHERE dedupe_key = 'event:sandbox:sandbox:sandbox-1:concurrent-1'`
      assert.strictEqual(rows[0]?.n, 1)
    }))

  it.effect("POST /api/ingest/batch answers one result per envelope and refuses more than 500", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const ok = yield* postJson(`${hub.url}/api/ingest/batch`, hub.token, {
        envelopes: [sample("batch-1"), { ...sample("batch-2"), extra: 1 }, sample("batch-1")]
      })
      assert.strictEqual(ok.status, 202)
      assert.deepStrictEqual(
        (field(ok.body, "results") as ReadonlyArray<{ status: string }>).map((r) => r.status),
        ["accepted", "rejected", "accepted"]
      )
      const tooMany = yield* postJson(`${hub.url}/api/ingest/batch`, hub.token, {
        envelopes: Array.from({ length: 501 }, (_, i) => sample(`many-${i}`))
      })
      assert.strictEqual(tooMany.status, 400)
      assert.include(issuesOf(tooMany.body), "envelopes")
      const notABatch = yield* postJson(`${hub.url}/api/ingest/batch`, hub.token, [sample("x")])
      assert.strictEqual(notABatch.status, 400)
      assert.include(issuesOf(notABatch.body), "envelopes")
    }))

  it.effect("bad input gets a 4xx naming the problem, stores nothing, and the hub stays up", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const sql = yield* SqlClient.SqlClient
      const before = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM message_inbox`
      const cases: ReadonlyArray<readonly [string, string, string]> = [
        ["{not json", "(body)", "malformed JSON"],
        ["", "(body)", "empty"],
        ["[]", "(root)", ""],
        ["null", "(root)", ""],
        [JSON.stringify({ ...sample("bad-1"), source: { channel: "telegram", provider: "gmail", endpoint_identity: "b" } }), "source.provider", "does not belong"],
        [JSON.stringify({ ...sample("bad-2"), event: { observed_at: "2026-11-20 10:00:00" } }), "event.observed_at", "offset"],
        [JSON.stringify({ ...sample("bad-3"), sender: { identity: "  " } }), "sender.identity", "empty"],
        [JSON.stringify({ ...sample("bad-4"), sender: { identity: 7 } }), "sender.identity", ""],
        [JSON.stringify({ ...sample("bad-5"), surprise: true }), "surprise", "not allowed"]
      ]
      for (const [body, path, words] of cases) {
        const res = yield* postJson(`${hub.url}/api/ingest`, hub.token, body)
        assert.strictEqual(res.status, 400, body)
        assert.strictEqual(field(res.body, "_tag"), "ValidationError")
        assert.include(issuesOf(res.body), path, body)
        assert.include(String(field(res.body, "message")), words)
      }
      const after = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM message_inbox`
      assert.strictEqual(after[0]?.n, before[0]?.n)
      assert.strictEqual((yield* request(`${hub.url}/health`)).status, 200)
    }))

  it.effect("a body over 1 MiB is refused with 413: by Content-Length before reading, and once a chunked body passes the limit", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const big = JSON.stringify({ ...sample("big"), payload: { raw: { pad: "x".repeat(MAX_ENVELOPE_BYTES) }, normalized_text: "" } })
      const res = yield* postJson(`${hub.url}/api/ingest`, hub.token, big)
      assert.strictEqual(res.status, 413)
      assert.strictEqual(field(res.body, "_tag"), "PayloadTooLarge")
      const chunked = yield* postChunked(`${hub.url}/api/ingest`, hub.token, 8 * 1024 * 1024)
      assert.strictEqual(chunked.status, 413)
      assert.strictEqual((yield* request(`${hub.url}/health`)).status, 200)
    }))

  it.effect("tokens: missing or unknown → 401, revoked → 401, expired → 401, out of scope → 403, wrong role → 403", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const url = `${hub.url}/api/ingest`
      const missing = yield* postJson(url, undefined, sample("t-1"))
      assert.strictEqual(missing.status, 401)
      assert.include(String(field(missing.body, "message")), "missing bearer token")
      assert.strictEqual((yield* postJson(url, "sw_test_" + "A".repeat(43), sample("t-1"))).status, 401)
      assert.strictEqual((yield* postJson(url, "garbage", sample("t-1"))).status, 401)

      const scoped = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: "sandbox-1" })
      assert.strictEqual((yield* postJson(url, scoped.token, sample("t-2"))).status, 202)
      const other = yield* postJson(url, scoped.token, sample("t-3", { endpoint_identity: "sandbox-2" }))
      assert.strictEqual(other.status, 403)
      assert.include(String(field(other.body, "message")), "sandbox/sandbox/sandbox-2")

      const reader = yield* hub.mintToken({ role: "read" })
      assert.strictEqual((yield* postJson(url, reader.token, sample("t-4"))).status, 403)

      const expired = yield* hub.mintToken({ expires_at: new Date(Date.parse("2020-01-01T00:00:00Z")) })
      const expiredRes = yield* postJson(url, expired.token, sample("t-5"))
      assert.strictEqual(expiredRes.status, 401)
      assert.include(String(field(expiredRes.body, "message")), "expired")
    }))

  it.effect("serves /health, /ready, /openapi.json and /docs", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      assert.deepStrictEqual((yield* request(`${hub.url}/health`)).body, { status: "ok" })
      const ready = yield* request(`${hub.url}/ready`)
      assert.strictEqual(ready.status, 200)
      assert.strictEqual(field(ready.body, "status"), "ready")
      const openapi = yield* request(`${hub.url}/openapi.json`)
      const paths = Object.keys(field(openapi.body, "paths") as object)
      assert.includeMembers(paths, ["/api/ingest", "/api/ingest/batch", "/health", "/ready"])
      const docs = yield* request(`${hub.url}/docs`)
      assert.strictEqual(docs.status, 200)
      assert.include(String(docs.body), "swagger")
    }))
})
