/** Connectors hosted by the hub (SWITCHBOARD_CONNECTORS): the in-process client, the same checkpoint rules, push receivers. */
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option } from "effect"
import { PushReceivers } from "../../services/PushReceivers.js"
import * as HostedConnectors from "../../layers/Connectors/ConnectorHostLive.js"
import * as TestHub from "../support/TestHub.js"
import { checkpointNext, eventually, inbox } from "./Inbox.js"

const env = (vars: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(vars)), { pathDelim: "_" })

layer(Layer.merge(TestHub.layer, NodeContext.layer), { excludeTestServices: true, timeout: 120_000 })("connectors hosted by the hub", (it) => {
  it.scoped("SWITCHBOARD_CONNECTORS=sandbox ingests through the hub's own Ingest and takes pushed updates", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "hosted-" })
      const cursor = `${dir}/sandbox.json`
      yield* Layer.build(HostedConnectors.layer).pipe(Effect.withConfigProvider(env({
        SWITCHBOARD_CONNECTORS: "sandbox",
        SANDBOX_CONNECTOR_ENDPOINT_IDENTITY: "hosted-1",
        CONNECTOR_ENDPOINT_IDENTITY: "not-this-one",
        CONNECTOR_CURSOR_PATH: cursor,
        CONNECTOR_POLL_INTERVAL_S: "0.1",
        CONNECTOR_HEARTBEAT_ENABLED: "false",
        SANDBOX_RATE_PER_S: "200",
        SANDBOX_TOTAL: "30"
      })))
      yield* eventually(Effect.map(checkpointNext(cursor), (n) => Option.getOrElse(n, () => -1) === 30), "the checkpoint at 30")
      assert.deepStrictEqual(yield* inbox("hosted-1"), { n: 30, distinct_ids: 30, low: 0, high: 29 })

      const receivers = yield* PushReceivers
      const receive = yield* receivers.lookup("sandbox", "hosted-1")
      assert.isTrue(Option.isSome(receive))
      yield* Option.getOrThrow(receive)({ sequence: 1000 })
      assert.strictEqual((yield* inbox("hosted-1")).high, 1000)
    }))

  it.scoped("an unknown type in SWITCHBOARD_CONNECTORS fails at start naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Layer.build(HostedConnectors.layer).pipe(Effect.withConfigProvider(env({ SWITCHBOARD_CONNECTORS: "sandbox,fax" })))
      )
      assert.strictEqual(error._tag, "ConnectorConfigInvalid")
      assert.include(error.message, "unknown connector type \"fax\"")
    }))
})
