import { assert, layer } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { sample } from "../support/Fixtures.js"
import { field, request } from "../support/Http.js"
import * as ProxyHub from "../support/ProxyHub.js"
import * as TestHub from "../support/TestHub.js"

const post = (url: string, token: string, body: string, contentType = "application/json") =>
  request(url, { method: "POST", headers: { "content-type": contentType, authorization: `Bearer ${token}` }, body })

/** Retries until the hub answers `ok` (it recovers on its own; the test only waits). */
const eventually = <A>(effect: Effect.Effect<A>, ok: (a: A) => boolean) =>
  effect.pipe(
    Effect.filterOrFail(ok, () => "not yet" as const),
    Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("30 seconds")))
  )

layer(ProxyHub.layer(), { excludeTestServices: true, timeout: 120_000 })("the RPC routes while the database is gone", (it) => {
  it.effect("a token that cannot be checked is 503 with Retry-After; a call that cannot be stored is -32005 with data", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const proxy = yield* ProxyHub.Proxy
      const unchecked = yield* hub.mintToken()
      const call = JSON.stringify({ jsonrpc: "2.0", id: "down", method: "Ingest", params: sample("rpc-outage-1") })
      const warm = yield* post(`${hub.url}/jsonrpc`, hub.token, JSON.stringify({ jsonrpc: "2.0", id: 0, method: "Ingest", params: sample("rpc-outage-0") }))
      assert.strictEqual(warm.status, 200)

      yield* proxy.cut
      const jsonrpc = yield* post(`${hub.url}/jsonrpc`, unchecked.token, call)
      assert.strictEqual(jsonrpc.status, 503)
      assert.strictEqual(jsonrpc.headers.get("retry-after"), "2")
      assert.strictEqual(field(field(jsonrpc.body, "error"), "code"), -32005)
      assert.strictEqual(field(field(field(jsonrpc.body, "error"), "data"), "_tag"), "Unavailable")

      const line = `${JSON.stringify({ _tag: "Request", id: "1", tag: "Ingest", payload: sample("rpc-outage-1"), headers: [] })}\n`
      const rpc = yield* post(`${hub.url}/rpc`, unchecked.token, line, "application/ndjson")
      assert.strictEqual(rpc.status, 503)
      assert.strictEqual(rpc.headers.get("retry-after"), "2")
      assert.strictEqual(field(rpc.body, "_tag"), "Unavailable")

      const stored = yield* post(`${hub.url}/jsonrpc`, hub.token, call)
      assert.strictEqual(stored.status, 200)
      assert.strictEqual(field(stored.body, "id"), "down")
      assert.strictEqual(field(field(stored.body, "error"), "code"), -32005)
      assert.strictEqual(field(field(field(stored.body, "error"), "data"), "retry_after_s"), 2)

      yield* proxy.restore
      const back = yield* eventually(post(`${hub.url}/jsonrpc`, unchecked.token, call), (r) => r.status === 200 && field(r.body, "result") !== undefined)
      assert.strictEqual(field(field(back.body, "result"), "duplicate"), false)
    }))
})
