/**
 * A /rpc body with one Ingest call is answered without the RPC server (src/rpc/IngestFastPath.ts). Each
 * answer must be what the server itself sends for the same call, which it runs when the body holds two.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { sample } from "../support/Fixtures.js"
import { request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"

const line = (message: Record<string, unknown>) => `${JSON.stringify(message)}\n`
const call = (id: string, payload: unknown, headers: ReadonlyArray<readonly [string, string]> = []) =>
  line({ _tag: "Request", id, tag: "Ingest", payload, headers })

const answers = (hub: TestHub.TestHubInfo, body: string) =>
  Effect.map(
    request(`${hub.url}/rpc`, {
      method: "POST",
      headers: { "content-type": "application/ndjson", authorization: `Bearer ${hub.token}` },
      body
    }),
    (r) => {
      assert.strictEqual(r.status, 200)
      assert.match(String(r.headers.get("content-type")), /^application\/ndjson/)
      // Http.request parses a body of one JSON line as JSON
      const text = typeof r.body === "string" ? r.body : JSON.stringify(r.body)
      const lines = text.trim().split("\n").map((l) => JSON.parse(l) as { requestId: string; exit: unknown })
      return new Map(lines.map((l) => [l.requestId, l]))
    }
  )

/** The answer to call "1" alone (fast path) and next to another call (the RPC server). */
const both = (hub: TestHub.TestHubInfo, payload: unknown, headers: ReadonlyArray<readonly [string, string]> = []) =>
  Effect.gen(function*() {
    const alone = (yield* answers(hub, call("1", payload, headers))).get("1")
    const served = (yield* answers(hub, call("1", payload, headers) + call("2", sample(`fast-filler-${Math.random()}`)))).get("1")
    return { alone, served }
  })

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("one Ingest call on /rpc", (it) => {
  it.effect("is answered as the RPC server answers it: duplicate, invalid, forbidden, unauthorized, too large", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const first = (yield* answers(hub, call("7", sample("fast-dup")))).get("7")
      assert.strictEqual((first?.exit as { _tag: string })._tag, "Success")

      const duplicate = yield* both(hub, sample("fast-dup"))
      assert.deepStrictEqual(duplicate.alone, duplicate.served)
      assert.include(JSON.stringify(duplicate.alone), `"duplicate":true`)

      const invalid = yield* both(hub, { ...sample("fast-invalid"), schema_version: "ingest.v0" })
      assert.deepStrictEqual(invalid.alone, invalid.served)
      assert.include(JSON.stringify(invalid.alone), `"_tag":"ValidationError"`)

      const other = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: "fast-elsewhere" })
      const forbidden = yield* both(hub, sample("fast-forbidden"), [["authorization", `Bearer ${other.token}`]])
      assert.deepStrictEqual(forbidden.alone, forbidden.served)
      assert.include(JSON.stringify(forbidden.alone), `"_tag":"Forbidden"`)

      const unknown = yield* both(hub, sample("fast-unknown"), [["authorization", "Bearer sw_live_not_a_token"]])
      assert.deepStrictEqual(unknown.alone, unknown.served)
      assert.include(JSON.stringify(unknown.alone), `"_tag":"Unauthorized"`)

      const big = sample("fast-big")
      const tooLarge = yield* both(hub, { ...big, payload: { ...big.payload, normalized_text: "x".repeat(1024 * 1024 + 1) } })
      assert.deepStrictEqual(tooLarge.alone, tooLarge.served)
      assert.include(JSON.stringify(tooLarge.alone), `"_tag":"PayloadTooLarge"`)
    }))

  it.effect("a new envelope gets the same answer fields either way", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const alone = (yield* answers(hub, call("1", sample("fast-new-a")))).get("1")
      const served = (yield* answers(hub, call("1", sample("fast-new-b")) + call("2", sample("fast-new-c")))).get("1")
      const shape = (a: unknown) => JSON.stringify(a).replace(/"[0-9a-f-]{36}"|"\d{4}-[^"]+Z"|"[^"]*fast-new-[abc][^"]*"/g, "_")
      assert.strictEqual(shape(alone), shape(served))
      assert.include(JSON.stringify(alone), `"duplicate":false`)
    }))
})
