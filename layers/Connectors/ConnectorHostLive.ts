/**
 * Runs the built-in sources: one per process (`scripts/switchboard connector <type>`, talking to the hub
 * over RPC) or several inside the hub (SWITCHBOARD_CONNECTORS, through the in-process client). Either
 * way every setting is checked before the connector (or the hub) starts: a bad configuration fails
 * with one line per variable (services/ConnectorConfig.ts says how hosted connectors name them).
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Array as Arr, Config, Effect, Either, Layer, Option } from "effect"
import {
  ConnectorConfig,
  connectorConfig,
  ConnectorConfigInvalid,
  type ConnectorConfigShape,
  type HostedConnector,
  HostedConnectors,
  probeConfig,
  type ProbeAddress,
  problemsOf,
  toInvalid,
  unambiguous
} from "../../services/ConnectorConfig.js"
import { PushFailed, PushReceivers } from "../../services/PushReceivers.js"
import { ConnectorStartFailed, SourceConnector } from "../../services/SourceConnector.js"
import { types } from "../../src/connectors/Registry.js"
import * as Probe from "../../src/connectors/runtime/Probe.js"
import * as Runtime from "../../src/connectors/runtime/Runtime.js"
import * as InProcessSwitchboardClient from "../SwitchboardClient/InProcessSwitchboardClient.js"
import * as RpcSwitchboardClient from "../SwitchboardClient/RpcSwitchboardClient.js"
import * as OtlpTracing from "../Tracing/OtlpTracing.js"
import { type RunnableSource, sources } from "./Builtins.js"
import { FilesLive } from "./HostFiles.js"

const unknownType = (type: string) => `unknown connector type "${type}" (known: ${types.join(", ")})`

/** The built-in source `type`, or a start failure naming the known types. */
export const lookup = (type: string): Effect.Effect<RunnableSource, ConnectorStartFailed> =>
  Option.match(Option.fromNullable(sources.get(type)), {
    onNone: () => Effect.fail(new ConnectorStartFailed({ connector: type, message: unknownType(type) })),
    onSome: Effect.succeed
  })

/** The CONNECTOR_* settings of `type` and its own settings, all checked at once. */
const settingsOf = (type: string, entry: RunnableSource, hostedWith: ReadonlyArray<string>): Config.Config<ConnectorConfigShape> =>
  Config.all([
    connectorConfig({ connectorType: type, channel: entry.source.channel, provider: entry.source.provider, hostedWith }),
    entry.definition.config.settings
  ]).pipe(Config.map(([config]) => config))

/** Builds the runtime over whatever SourceConnector, stores and client are provided. */
const makeRuntime = Effect.gen(function*() {
  const config = yield* ConnectorConfig
  const connector = yield* SourceConnector
  const runtime = yield* Runtime.make(Runtime.optionsFrom(config))
  return { connector, runtime }
})

/**
 * A connector process: nothing can push to it, it polls. With CONNECTOR_HTTP_PORT its probe is bound
 * before polling starts, so a port that is taken fails the start.
 */
const processRuntime = (probe: Option.Option<ProbeAddress>) =>
  Layer.scopedDiscard(Effect.gen(function*() {
    const { connector, runtime } = yield* makeRuntime
    if (Option.isSome(probe)) yield* Probe.serve(connector.connectorType, probe.value, runtime.heartbeat.message)
    yield* Effect.forkScoped(runtime.run)
  }))

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

/**
 * One connector as its own process: SWITCHBOARD_URL and SWITCHBOARD_API_TOKEN locate the hub. Its
 * settings and the probe's (CONNECTOR_HTTP_PORT, CONNECTOR_HTTP_HOST) are checked together.
 */
export const processLayer = (type: string, entry: RunnableSource) =>
  Layer.unwrapEffect(Effect.map(
    Effect.mapError(Config.all([settingsOf(type, entry, []), probeConfig]), toInvalid),
    ([config, probe]) =>
      processRuntime(probe).pipe(
        Layer.provide(Layer.mergeAll(entry.source.layer, FilesLive, RpcSwitchboardClient.layerConfig)),
        Layer.provideMerge(Layer.succeed(ConnectorConfig, config)),
        Layer.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici))
      )
  )).pipe(
    // OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set (layers/Tracing), else the tracer is disabled
    Layer.provide(OtlpTracing.layer({ serviceName: `switchboard-connector-${type}` }))
  )

/** One connector inside the hub, on its checked settings. */
const hostedLayer = ({ config, connectorType }: HostedConnector, entry: RunnableSource) =>
  hostedRuntime.pipe(
    Layer.provide(Layer.mergeAll(
      entry.source.layer,
      FilesLive,
      InProcessSwitchboardClient.layer(InProcessSwitchboardClient.principalFor(connectorType, {
        channel: entry.source.channel,
        provider: entry.source.provider,
        endpoint_identity: config.endpointIdentity
      }))
    )),
    Layer.provide(Layer.succeed(ConnectorConfig, config)),
    Layer.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)),
    // Layers are memoized by reference: without a fresh build per connector, a second hosted connector
    // would get the first one's runtime (never started) and its checkpoint and dead-letter files.
    Layer.fresh
  )

/** SWITCHBOARD_CONNECTORS: comma-separated connector types the hub runs in-process (default none). */
export const HostedConnectorsConfig = Config.string("SWITCHBOARD_CONNECTORS").pipe(
  Config.withDefault(""),
  Config.map((s) => s.split(",").map((t) => t.trim()).filter((t) => t.length > 0))
)

/**
 * Reads and checks the settings of every connector in SWITCHBOARD_CONNECTORS; fails with every problem
 * (unknown or repeated types, missing, invalid or ambiguous variables), one line each.
 */
export const checkHosted: Effect.Effect<ReadonlyArray<HostedConnector>, ConnectorConfigInvalid> = Effect.gen(function*() {
  const wanted = yield* Effect.mapError(HostedConnectorsConfig, toInvalid)
  const hosted = Arr.dedupe(wanted)
  const listed = [
    ...hosted.filter((t) => !sources.has(t)).map((t) => `SWITCHBOARD_CONNECTORS: ${unknownType(t)}`),
    ...hosted.filter((t) => wanted.filter((w) => w === t).length > 1)
      .map((t) => `SWITCHBOARD_CONNECTORS: "${t}" is listed more than once (the hub runs one connector per type)`)
  ]
  const known = hosted.flatMap((t) => Option.toArray(Option.map(Option.fromNullable(sources.get(t)), (entry) => ({ t, entry }))))
  const checked = yield* Effect.either(Config.all([
    unambiguous(known.map(({ t }) => t)),
    Config.all(known.map(({ entry, t }) =>
      Config.map(settingsOf(t, entry, known.map((k) => k.t)), (config): HostedConnector => ({ connectorType: t, config }))
    ))
  ]))
  const problems = [...listed, ...Either.match(checked, { onLeft: problemsOf, onRight: () => [] })]
  if (problems.length > 0 || Either.isLeft(checked)) return yield* new ConnectorConfigInvalid({ problems })
  return checked.right[1]
})

/** The hosted connectors' checked settings: built before the hub opens its port, so a bad one fails the start. */
export const HostedConfigLive = Layer.effect(HostedConnectors, checkHosted)

/** Every connector named in SWITCHBOARD_CONNECTORS, running inside the hub on its Ingest service. */
export const HostedLive = Layer.unwrapEffect(Effect.gen(function*() {
  const hosted = yield* HostedConnectors
  const layers = yield* Effect.forEach(hosted, (h) => Effect.map(lookup(h.connectorType), (entry) => hostedLayer(h, entry)))
  return layers.reduce((all: Hosted, l) => Layer.merge(all, l), Layer.empty)
}))

/** HostedLive with its settings read here (tests; the hub provides HostedConfigLive first). */
export const layer = HostedLive.pipe(Layer.provide(HostedConfigLive))

type Hosted = ReturnType<typeof hostedLayer>
