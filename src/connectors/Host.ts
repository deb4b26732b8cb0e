/**
 * Runs registered connectors: one per process (`scripts/switchboard connector <type>`, talking to the hub
 * over RPC) or several inside the hub (SWITCHBOARD_CONNECTORS, through the in-process client).
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Config, Effect, Layer, Option } from "effect"
import * as FileCheckpointStore from "../../layers/CheckpointStore/FileCheckpointStore.js"
import * as FileDeadLetters from "../../layers/ConnectorDeadLetters/FileDeadLetters.js"
import * as InProcessSwitchboardClient from "../../layers/SwitchboardClient/InProcessSwitchboardClient.js"
import * as RpcSwitchboardClient from "../../layers/SwitchboardClient/RpcSwitchboardClient.js"
import { ConnectorConfig, providerFor } from "../../services/ConnectorConfig.js"
import { PushFailed, PushReceivers } from "../../services/PushReceivers.js"
import { ConnectorStartFailed, SourceConnector } from "../../services/SourceConnector.js"
import { type ConnectorEntry, registry, types } from "./Registry.js"
import * as Runtime from "./runtime/Runtime.js"

/** The registry entry of `type`, or a start failure naming the known types. */
export const lookup = (type: string): Effect.Effect<ConnectorEntry, ConnectorStartFailed> =>
  Option.match(Option.fromNullable(registry[type]), {
    onNone: () =>
      Effect.fail(new ConnectorStartFailed({ connector: type, message: `unknown connector type "${type}" (known: ${types.join(", ")})` })),
    onSome: Effect.succeed
  })

/** Checkpoint file and dead-letter file from ConnectorConfig. */
const FilesLive = Layer.unwrapEffect(Effect.map(ConnectorConfig, (config) =>
  Layer.merge(FileCheckpointStore.layer(config.cursorPath), FileDeadLetters.layer(config.deadLetterPath))))

/** Builds the runtime over whatever SourceConnector, stores and client are provided. */
const makeRuntime = Effect.gen(function*() {
  const config = yield* ConnectorConfig
  const connector = yield* SourceConnector
  const runtime = yield* Runtime.make(Runtime.optionsFrom(config))
  return { connector, runtime }
})

/** A connector process: nothing can push to it, it polls. */
const processRuntime = Layer.scopedDiscard(Effect.flatMap(makeRuntime, ({ runtime }) => Effect.forkScoped(runtime.run)))

/**
 * A connector inside the hub: one that takes pushed updates registers with the hub's PushReceivers (the
 * instance the webhook routes read) until the hub stops, so `POST /telegram/{endpoint}/webhook` reaches it.
 */
const hostedRuntime = Layer.scopedDiscard(Effect.gen(function*() {
  const { connector, runtime } = yield* makeRuntime
  const receivers = yield* PushReceivers
  if (connector.normalizePushed !== undefined) {
    yield* receivers.register(connector.connectorType, connector.endpointIdentity, (update) =>
      runtime.push(update).pipe(
        Effect.asVoid,
        Effect.mapError((e) => new PushFailed({ message: `${e._tag}: ${e.message}` })),
        Effect.annotateLogs({ connector: connector.connectorType, endpoint: connector.endpointIdentity, worker: "push" })
      ))
  }
  yield* Effect.forkScoped(runtime.run)
}))

/** One connector as its own process: SWITCHBOARD_URL and SWITCHBOARD_API_TOKEN locate the hub. */
export const processLayer = (entry: ConnectorEntry) =>
  processRuntime.pipe(
    Layer.provide(Layer.mergeAll(entry.layer, FilesLive, RpcSwitchboardClient.layerConfig)),
    Layer.provideMerge(ConnectorConfig.layer),
    Layer.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici))
  )

/** One connector inside the hub, reading `<TYPE>_NAME` before `NAME` from the environment. */
const hostedLayer = (type: string, entry: ConnectorEntry) =>
  Layer.unwrapEffect(Effect.map(ConnectorConfig, (config) =>
    hostedRuntime.pipe(
      Layer.provide(Layer.mergeAll(
        entry.layer,
        FilesLive,
        InProcessSwitchboardClient.layer(InProcessSwitchboardClient.principalFor(type, {
          channel: entry.channel,
          provider: entry.provider,
          endpoint_identity: config.endpointIdentity
        }))
      ))
    ))).pipe(
      Layer.provide(ConnectorConfig.layer),
      Layer.locallyEffect((build) =>
        Effect.configProviderWith((base) => Effect.withConfigProvider(build, providerFor(type, base)))
      ),
      Layer.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici))
    )

/** SWITCHBOARD_CONNECTORS: comma-separated connector types the hub runs in-process (default none). */
export const HostedConnectorsConfig = Config.string("SWITCHBOARD_CONNECTORS").pipe(
  Config.withDefault(""),
  Config.map((s) => s.split(",").map((t) => t.trim()).filter((t) => t.length > 0))
)

/** Every connector named in SWITCHBOARD_CONNECTORS, running inside the hub on its Ingest service. */
export const HostedLive = Layer.unwrapEffect(Effect.gen(function*() {
  const wanted = yield* HostedConnectorsConfig
  const layers = yield* Effect.forEach(wanted, (type) => Effect.map(lookup(type), (entry) => hostedLayer(type, entry)))
  return layers.reduce((all: Hosted, l) => Layer.merge(all, l), Layer.empty)
}))

type Hosted = ReturnType<typeof hostedLayer>
