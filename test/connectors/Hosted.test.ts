/** Connectors hosted by the hub (SWITCHBOARD_CONNECTORS): the in-process client, the same checkpoint rules, push receivers. */
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option } from "effect"
import { PushReceivers } from "../../services/PushReceivers.js"
import * as HostedConnectors from "../../layers/Connectors/ConnectorHostLive.js"
import * as TestHub from "../support/TestHub.js"
import { checkpointNext, eventually, hubCheckpointNext, inbox } from "./Inbox.js"

const env = (vars: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(vars)), { pathDelim: "_" })

layer(Layer.merge(TestHub.layer, NodeContext.layer), { excludeTestServices: true, timeout: 120_000 })("connectors hosted by the hub", (it) => {
  it.scoped("SWITCHBOARD_CONNECTORS=sandbox ingests through the hub's own Ingest, its cursor held by the hub, and takes pushed updates", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "hosted-" })
      yield* Layer.build(HostedConnectors.layer).pipe(Effect.withConfigProvider(env({
        SWITCHBOARD_CONNECTORS: "sandbox",
        SANDBOX_CONNECTOR_ENDPOINT_IDENTITY: "hosted-1",
        CONNECTOR_ENDPOINT_IDENTITY: "not-this-one",
        CONNECTOR_POLL_INTERVAL_S: "0.1",
        CONNECTOR_HEARTBEAT_ENABLED: "false",
        SANDBOX_RATE_PER_S: "200",
        SANDBOX_TOTAL: "30",
        SWITCHBOARD_DATA_DIR: dir
      })))
      yield* eventually(Effect.map(hubCheckpointNext("hosted-1"), (n) => Option.getOrElse(n, () => -1) === 30), "the checkpoint at 30")
      assert.deepStrictEqual(yield* inbox("hosted-1"), { n: 30, distinct_ids: 30, low: 0, high: 29 })

      const receivers = yield* PushReceivers
      const receive = yield* receivers.lookup("sandbox", "hosted-1")
      assert.isTrue(Option.isSome(receive))
      yield* Option.getOrThrow(receive)({ sequence: 1000 })
      assert.strictEqual((yield* inbox("hosted-1")).high, 1000)
    }))

  it.scoped("a cursor file from before seeds the hub's checkpoint: the connector resumes there, and the file is left alone", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "hosted-seed-" })
      const cursor = `${dir}/sandbox.json`
      yield* fs.writeFileString(cursor, JSON.stringify({ next: 20 }))
      yield* Layer.build(HostedConnectors.layer).pipe(Effect.withConfigProvider(env({
        SWITCHBOARD_CONNECTORS: "sandbox",
        CONNECTOR_ENDPOINT_IDENTITY: "hosted-seed",
        CONNECTOR_CURSOR_PATH: cursor,
        CONNECTOR_POLL_INTERVAL_S: "0.1",
        CONNECTOR_HEARTBEAT_ENABLED: "false",
        SANDBOX_RATE_PER_S: "200",
        SANDBOX_TOTAL: "30",
        SWITCHBOARD_DATA_DIR: dir
      })))
      yield* eventually(Effect.map(hubCheckpointNext("hosted-seed"), (n) => Option.getOrElse(n, () => -1) === 30), "the checkpoint at 30")
      assert.deepStrictEqual(yield* inbox("hosted-seed"), { n: 10, distinct_ids: 10, low: 20, high: 29 })
      assert.deepStrictEqual(yield* checkpointNext(cursor), Option.some(20))
    }))

  it.scoped("an unknown type in SWITCHBOARD_CONNECTORS fails at start naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Layer.build(HostedConnectors.layer).pipe(Effect.withConfigProvider(env({ SWITCHBOARD_CONNECTORS: "sandbox,fax", CONNECTOR_ENDPOINT_IDENTITY: "x" })))
      )
      assert.strictEqual(error._tag, "ConnectorConfigInvalid")
      assert.include(error.message, "unknown connector type \"fax\"")
    }))
})
