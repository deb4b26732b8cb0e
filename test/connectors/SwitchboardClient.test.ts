import { HttpLayerRouter, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { RpcSerialization, RpcServer } from "@effect/rpc"
import { assert, describe, it, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import { createServer } from "node:http"
import * as InProcessSwitchboardClient from "../../layers/SwitchboardClient/InProcessSwitchboardClient.js"
import * as RpcSwitchboardClient from "../../layers/SwitchboardClient/RpcSwitchboardClient.js"
import { SwitchboardClient } from "../../services/SwitchboardClient.js"
import { AuthMiddleware } from "../../src/rpc/AuthMiddleware.js"
import { IngestRpcs } from "../../src/rpc/IngestRpcs.js"
import { sample } from "../support/Fixtures.js"
import type { HeartbeatInput } from "../../src/domain/Heartbeat.js"
import * as TestHub from "../support/TestHub.js"

const rpcClient = (url: string, token: string) =>
  RpcSwitchboardClient.make({ url, token: Redacted.make(token), requestTimeout: Duration.seconds(20) })

const heartbeat = (endpoint: string): HeartbeatInput => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: "sandbox", endpoint_identity: endpoint, instance_id: "0190a6e0-0000-7000-8000-000000000001" },
  status: { state: "healthy", uptime_s: 1 },
  counters: { messages_ingested: 0, messages_failed: 0, source_api_calls: 0, checkpoint_saves: 0, dedupe_accepted: 0 },
  sent_at: "2026-11-22T10:00:00Z"
})

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("SwitchboardClient against a real hub", (it) => {
  it.scoped("RPC: accepts, answers a repeat as duplicate, and refuses an invalid envelope for good with its paths", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const client = yield* rpcClient(hub.url, (yield* hub.mintToken()).token)
      const first = yield* client.ingest(sample("client-1"))
      const again = yield* client.ingest(sample("client-1"))
      assert.isFalse(first.duplicate)
      assert.isTrue(again.duplicate)
      assert.strictEqual(again.request_id, first.request_id)
      const bad = yield* Effect.flip(client.ingest({ ...sample("client-2"), sender: { identity: " " } }))
      assert.strictEqual(bad._tag, "IngestRejected")
      assert.isTrue(bad._tag === "IngestRejected" && bad.reason === "ValidationError")
      assert.isTrue(bad._tag === "IngestRejected" && bad.issues.some((i) => i.path.includes("sender")))
    }))

  it.scoped("RPC: a token scoped elsewhere is Forbidden (rejected), an unknown token is IngestUnauthorized", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const scoped = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: "other" })
      const forbidden = yield* Effect.flip((yield* rpcClient(hub.url, scoped.token)).ingest(sample("client-3")))
      assert.isTrue(forbidden._tag === "IngestRejected" && forbidden.reason === "Forbidden")
      const unknown = yield* Effect.flip((yield* rpcClient(hub.url, "sw_test_nope")).ingest(sample("client-3")))
      assert.strictEqual(unknown._tag, "IngestUnauthorized")
    }))

  it.scoped("RPC: a batch answers one outcome per envelope, a bad one rejected alone", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const client = yield* rpcClient(hub.url, (yield* hub.mintToken()).token)
      const outcomes = yield* client.ingestBatch([
        sample("batch-1"),
        { ...sample("batch-2"), sender: { identity: "" } },
        sample("batch-1")
      ])
      assert.deepStrictEqual(outcomes.map((o) => ("status" in o ? `accepted:${o.duplicate}` : o.reason)), [
        "accepted:false",
        "ValidationError",
        "accepted:true"
      ])
    }))

  it.scoped("RPC: heartbeats are accepted by the hub's Heartbeat RPC", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const client = yield* rpcClient(hub.url, (yield* hub.mintToken()).token)
      const answer = yield* client.heartbeat(heartbeat("sandbox-1"))
      assert.strictEqual(answer.status, "accepted")
    }))

  it.effect("in-process: the hub's own Ingest with a principal scoped to the connector's source", () =>
    Effect.gen(function*() {
      const principal = InProcessSwitchboardClient.principalFor("sandbox", {
        channel: "sandbox",
        provider: "sandbox",
        endpoint_identity: "sandbox-1"
      })
      const client = yield* InProcessSwitchboardClient.make(principal)
      const first = yield* client.ingest(sample("inproc-1"))
      assert.isFalse(first.duplicate)
      assert.isTrue((yield* client.ingest(sample("inproc-1"))).duplicate)
      const other = yield* Effect.flip(client.ingest(sample("inproc-2", { endpoint_identity: "elsewhere" })))
      assert.isTrue(other._tag === "IngestRejected" && other.reason === "Forbidden")
      assert.strictEqual((yield* client.heartbeat(heartbeat("sandbox-1"))).status, "accepted")
    }))
})

/** A hub from before heartbeats: only the ingest RPCs, any token accepted. */
const OldHub = Layer.scoped(
  SwitchboardClient,
  Effect.flatMap(HttpServer.HttpServer, (server) =>
    rpcClient(server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "unix", "any"))
).pipe(
  Layer.provideMerge(HttpLayerRouter.serve(
    RpcServer.layerHttpRouter({ group: IngestRpcs.middleware(AuthMiddleware), path: "/rpc", protocol: "http" }).pipe(
      Layer.provide(IngestRpcs.middleware(AuthMiddleware).toLayer({
        Ingest: (e) =>
          Effect.sleep("50 millis").pipe(Effect.as({
            status: "accepted" as const,
            request_id: e.event.external_event_id ?? "?",
            duplicate: false,
            dedupe_key: "k",
            received_at: "2026-11-22T10:00:00Z"
          })),
        IngestBatch: () => Effect.succeed({ accepted: 0, duplicates: 0, rejected: 0, results: [] }),
        GetCheckpoint: () => Effect.succeed({ checkpoint: null })
      })),
      Layer.provide(Layer.succeed(AuthMiddleware, AuthMiddleware.of(() =>
        Effect.succeed({ token_id: "t", channel: "*", provider: "*", endpoint_identity: "*", role: "ingest" as const, tenant: "default" })))),
      Layer.provide(RpcSerialization.layerNdjson)
    ),
    { disableLogger: true, disableListenLog: true }
  )),
  Layer.provideMerge(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 }))
)

layer(OldHub, { excludeTestServices: true })("SwitchboardClient against a hub without heartbeats", (it) => {
  it.effect("the heartbeat is HeartbeatUnsupported and ingest calls in flight at the same time are unharmed", () =>
    Effect.gen(function*() {
      const client = yield* SwitchboardClient
      const [answers, beat] = yield* Effect.all([
        Effect.forEach(Array.from({ length: 10 }, (_, i) => sample(`old-${i}`)), client.ingest, { concurrency: 10 }),
        Effect.flip(Effect.zipRight(Effect.sleep("10 millis"), client.heartbeat(heartbeat("sandbox-1"))))
      ], { concurrency: 2 })
      assert.strictEqual(beat._tag, "HeartbeatUnsupported")
      assert.deepStrictEqual(answers.map((a) => a.request_id), Array.from({ length: 10 }, (_, i) => `old-${i}`))
    }))
})

describe("SwitchboardClient without a hub", () => {
  it.scoped("nothing listening is IngestUnavailable (retryable), for ingest and heartbeat alike", () =>
    Effect.gen(function*() {
      const client = yield* rpcClient("http://127.0.0.1:9", "t")
      assert.strictEqual((yield* Effect.flip(client.ingest(sample("x"))))._tag, "IngestUnavailable")
      assert.strictEqual((yield* Effect.flip(client.heartbeat(heartbeat("sandbox-1"))))._tag, "IngestUnavailable")
    }))
})
