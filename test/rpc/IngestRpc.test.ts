import { assert, layer } from "@effect/vitest"
import { RpcClient } from "@effect/rpc"
import { Effect, Exit, Layer, Redacted } from "effect"
import * as Client from "../../src/rpc/Client.js"
import { sample } from "../support/Fixtures.js"
import { field, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"

/** A typed client for the test hub, using a freshly minted token with the given scope. */
const clientFor = (hub: TestHub.TestHubInfo, token: string) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Client.layer({ url: hub.url, token: Redacted.make(token) }))
    return yield* Effect.provide(Client.HubRpcClient, context)
  })

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("RPC over HTTP with the typed client", (it) => {
  it.scoped("Ingest accepts once and answers duplicates with the same request_id", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const client = yield* clientFor(hub, hub.token)
      const first = yield* client.Ingest(sample("rpc-1"))
      const again = yield* client.Ingest(sample("rpc-1"))
      assert.strictEqual(first.duplicate, false)
      assert.strictEqual(again.duplicate, true)
      assert.strictEqual(again.request_id, first.request_id)
    }))

  it.scoped("an invalid envelope fails with the typed ValidationError naming the path, not a defect", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const client = yield* clientFor(hub, hub.token)
      const exit = yield* client.Ingest({ ...sample("rpc-2"), sender: { identity: "" } }).pipe(Effect.exit)
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* client.Ingest({ ...sample("rpc-2"), sender: { identity: "" } }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ValidationError")
      assert.include(error._tag === "ValidationError" ? error.issues.map((i) => i.path) : [], "sender.identity")
    }))

  it.scoped("IngestBatch answers one result per envelope", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const client = yield* clientFor(hub, hub.token)
      const answer = yield* client.IngestBatch({
        envelopes: Array.from({ length: 100 }, (_, i) => sample(`rpc-batch-${i % 60}`))
      })
      assert.strictEqual(answer.results.length, 100)
      assert.strictEqual(answer.accepted, 60)
      assert.strictEqual(answer.duplicates, 40)
    }))

  it.scoped("a bad or missing token is the typed Unauthorized; a token for another endpoint is Forbidden", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const client = yield* clientFor(hub, hub.token)
      const wrong = yield* client.Ingest(sample("rpc-3")).pipe(
        RpcClient.withHeaders({ authorization: "Bearer sw_test_wrongwrongwrongwrongwrongwrongwrongwrongwro" }),
        Effect.flip
      )
      assert.strictEqual(wrong._tag, "Unauthorized")
      const scoped = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: "only-this" })
      const scopedClient = yield* clientFor(hub, scoped.token)
      const forbidden = yield* scopedClient.Ingest(sample("rpc-4")).pipe(Effect.flip)
      assert.strictEqual(forbidden._tag, "Forbidden")
    }))

  it.effect("JSON-RPC 2.0 at /jsonrpc serves clients in any language", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const res = yield* request(`${hub.url}/jsonrpc`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${hub.token}` },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "Ingest", params: sample("jsonrpc-1") })
      })
      assert.strictEqual(res.status, 200)
      assert.strictEqual(field(field(res.body, "result"), "status"), "accepted")
    }))
})
