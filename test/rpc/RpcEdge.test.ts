import { assert, layer } from "@effect/vitest"
import { RpcClient } from "@effect/rpc"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Redacted } from "effect"
import * as Client from "../../src/rpc/Client.js"
import { sample } from "../support/Fixtures.js"
import { field, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import * as RawHttp from "./RawHttp.js"

const MiB = 1024 * 1024

const line = (message: Record<string, unknown>) => `${JSON.stringify(message)}\n`
const ingestLine = (id: string, externalId: string, extra: Record<string, unknown> = {}) =>
  line({ _tag: "Request", id, tag: "Ingest", payload: sample(externalId), headers: [], ...extra })

/** POSTs an NDJSON body to /rpc with the token in the HTTP header (none when null). */
const postRpc = (hub: TestHub.TestHubInfo, body: string, token: string | null = hub.token) =>
  request(`${hub.url}/rpc`, {
    method: "POST",
    headers: { "content-type": "application/ndjson", ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body
  })

const countOf = (externalId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ n: number }>`SELECT count(*)::int AS n FROM message_inbox WHERE external_event_id = ${externalId}`,
      (rows) => rows[0]?.n ?? 0
    )).pipe(Effect.orDie)

const issuePaths = (body: unknown) =>
  ((field(body, "issues") ?? []) as ReadonlyArray<{ path: string }>).map((i) => i.path)

const clientFor = (url: string, token: string) =>
  Effect.flatMap(Layer.build(Client.layer({ url, token: Redacted.make(token) })), (context) =>
    Effect.provide(Client.HubRpcClient, context))

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("the /rpc edge", (it) => {
  it.effect("an anonymous 24 MiB body is refused with 401 before it is read, declared or chunked", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const headers = { "content-type": "application/ndjson" }
      const declared = yield* RawHttp.withheldBody(hub.url, "/rpc", headers, 24 * MiB, Buffer.alloc(64 * 1024, 0x20))
      assert.strictEqual(declared.status, 401)
      assert.strictEqual(declared.headers["connection"], "close")
      assert.strictEqual(field(RawHttp.jsonOf(declared), "_tag"), "Unauthorized")
      assert.include(String(field(RawHttp.jsonOf(declared), "message")), "missing bearer token")
      const chunked = yield* RawHttp.withheldChunked(hub.url, "/rpc", headers, Buffer.alloc(64 * 1024, 0x20))
      assert.strictEqual(chunked.status, 401)
      const wrong = yield* RawHttp.withheldBody(
        hub.url, "/rpc", { ...headers, authorization: "Bearer sw_test_nope" }, 24 * MiB, Buffer.alloc(1024, 0x20)
      )
      assert.strictEqual(wrong.status, 401)
      assert.include(String(field(RawHttp.jsonOf(wrong), "message")), "invalid token")
    }))

  it.effect("the HTTP authorization header is required; a call's own token still decides that call", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const served = yield* postRpc(hub, ingestLine("1", "edge-ok-1") + ingestLine("2", "edge-ok-2"))
      assert.strictEqual(served.status, 200)
      const exits = String(served.body).trim().split("\n").map((l) => JSON.parse(l) as unknown)
      assert.deepStrictEqual(exits.map((e) => field(e, "requestId")).sort(), ["1", "2"])
      assert.deepStrictEqual(exits.map((e) => field(field(e, "exit"), "_tag")), ["Success", "Success"])

      const onlyInMessage = ingestLine("1", "edge-auth-1", { headers: [["authorization", `Bearer ${hub.token}`]] })
      const refused = yield* postRpc(hub, onlyInMessage, null)
      assert.strictEqual(refused.status, 401)
      assert.strictEqual(field(refused.body, "_tag"), "Unauthorized")
      assert.strictEqual(yield* countOf("edge-auth-1"), 0)

      const elsewhere = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: "only-this" })
      const perCall = yield* postRpc(
        hub,
        ingestLine("2", "edge-auth-2", { headers: [["authorization", `Bearer ${elsewhere.token}`]] })
      )
      assert.strictEqual(perCall.status, 200)
      assert.include(JSON.stringify(perCall.body), `"_tag":"Forbidden"`)
      assert.strictEqual(yield* countOf("edge-auth-2"), 0)
    }))

  it.effect("a body over 32 MiB with a valid token is 413: by Content-Length before reading, chunked once past the cap", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const headers = { "content-type": "application/ndjson", authorization: `Bearer ${hub.token}` }
      const declared = yield* RawHttp.withheldBody(hub.url, "/rpc", headers, 40 * MiB, Buffer.alloc(64 * 1024, 0x20))
      assert.strictEqual(declared.status, 413)
      assert.strictEqual(field(RawHttp.jsonOf(declared), "_tag"), "PayloadTooLarge")
      assert.strictEqual(field(RawHttp.jsonOf(declared), "limit_bytes"), 32 * MiB)
      const chunked = yield* RawHttp.streamedChunked(hub.url, "/rpc", headers, 80 * MiB)
      assert.strictEqual(chunked.status, 413)
      assert.isBelow(chunked.sent, 80 * MiB)
      assert.strictEqual(field(RawHttp.jsonOf(chunked), "_tag"), "PayloadTooLarge")
      assert.strictEqual((yield* request(`${hub.url}/health`)).status, 200)
    }))

  it.effect("a body without the trailing newline is a 400 saying so, and nothing runs", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const res = yield* postRpc(hub, ingestLine("1", "edge-nl-1").trimEnd())
      assert.strictEqual(res.status, 400)
      assert.strictEqual(field(res.body, "_tag"), "ValidationError")
      assert.include(String(field(res.body, "message")), "must end with a newline")
      assert.strictEqual(yield* countOf("edge-nl-1"), 0)
      const empty = yield* postRpc(hub, "")
      assert.strictEqual(empty.status, 400)
      assert.include(String(field(empty.body, "message")), "empty")
    }))

  it.effect("a Request without headers, with a non-decimal id, an unknown tag or a line that is not JSON is a 400 naming line and field", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const noHeaders = yield* postRpc(hub, line({ _tag: "Request", id: "1", tag: "Ingest", payload: sample("edge-h-1") }))
      assert.strictEqual(noHeaders.status, 400)
      assert.include(issuePaths(noHeaders.body), "line 1.headers")
      assert.include(String(field(noHeaders.body, "message")), "line 1.headers is required")
      const badId = yield* postRpc(hub, ingestLine("abc", "edge-h-2"))
      assert.strictEqual(badId.status, 400)
      assert.include(issuePaths(badId.body), "line 1.id")
      const badTag = yield* postRpc(hub, line({ _tag: "Request", id: "1", tag: "Nope", payload: {}, headers: [] }))
      assert.strictEqual(badTag.status, 400)
      assert.include(String(field(badTag.body, "message")), "Ingest, IngestBatch, GetCheckpoint, Heartbeat")
      const notJson = yield* postRpc(hub, `${ingestLine("1", "edge-h-3")}{nope\n`)
      assert.strictEqual(notJson.status, 400)
      assert.deepStrictEqual(issuePaths(notJson.body), ["line 2"])
      const notRequest = yield* postRpc(hub, line({ _tag: "Ping" }))
      assert.strictEqual(notRequest.status, 400)
      assert.include(issuePaths(notRequest.body), "line 1._tag")
      for (const id of ["edge-h-1", "edge-h-2", "edge-h-3"]) assert.strictEqual(yield* countOf(id), 0)
    }))

  it.scoped("the typed client gets PayloadTooLarge (an envelope over 1 MiB, a body over 32 MiB) and a refused token as typed failures", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const client = yield* clientFor(hub.url, hub.token)
      const big = (i: number) => ({
        ...sample(`edge-big-${i}`),
        payload: { raw: { pad: "x".repeat(900_000) }, normalized_text: "big" }
      })
      const oneTooLarge = yield* client.Ingest({
        ...sample("edge-big-one"),
        payload: { raw: { pad: "x".repeat(1024 * 1024) }, normalized_text: "big" }
      }).pipe(Effect.flip)
      assert.strictEqual(oneTooLarge._tag, "PayloadTooLarge")
      assert.strictEqual(yield* countOf("edge-big-one"), 0)
      const tooLarge = yield* client.IngestBatch({ envelopes: Array.from({ length: 40 }, (_, i) => big(i)) }).pipe(Effect.flip)
      assert.strictEqual(tooLarge._tag, "PayloadTooLarge")
      assert.strictEqual(yield* countOf("edge-big-0"), 0)

      const stranger = yield* clientFor(hub.url, "sw_test_nope")
      const refused = yield* stranger.IngestBatch({ envelopes: Array.from({ length: 4 }, (_, i) => big(100 + i)) }).pipe(Effect.flip)
      assert.strictEqual(refused._tag, "Unauthorized")
      assert.strictEqual(yield* countOf("edge-big-100"), 0)

      const ok = yield* client.Ingest(sample("edge-typed-ok"))
      assert.strictEqual(ok.duplicate, false)
      const wrong = yield* client.Ingest(sample("edge-typed-ok")).pipe(
        RpcClient.withHeaders({ authorization: "Bearer sw_test_wrongwrongwrongwrongwrongwrongwrongwrongwro" }),
        Effect.flip
      )
      assert.strictEqual(wrong._tag, "Unauthorized")
    }))

  it.scoped("the typed client fails a call the hub answers with an unexpected status instead of waiting forever", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const client = yield* clientFor(`${hub.url}/no-such-prefix`, hub.token)
      const error = yield* client.Ingest(sample("edge-404")).pipe(Effect.flip)
      assert.strictEqual(error._tag, "RpcClientError")
    }))
})
