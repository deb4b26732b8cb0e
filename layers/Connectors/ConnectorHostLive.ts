/**
 * Runs sources: a built-in one per process (`scripts/switchboard connector <type>`, talking to the hub
 * over RPC), or several inside the hub (SWITCHBOARD_CONNECTORS, through the in-process client), built-in
 * or registered (an SDK connector with a source face, loaded through the ConnectorRegistry). Either way
 * every setting is checked before the connector (or the hub) starts: a bad configuration fails with one
 * line per variable (services/ConnectorConfig.ts says how hosted connectors name them). A built-in's
 * settings are checked before the hub opens its database; a registered one's once its definition is loaded.
 *
 * A hosted connector polls as a cluster singleton `connector:<type>:<endpoint_identity>` (issue 15): on one
 * hub of the cluster at a time, with its checkpoint in the hub's database, so the hub that takes it over
 * resumes where the last accepted batch ended. Pushed updates (webhooks) are taken on every hub.
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Array as Arr, Config, Effect, Either, Layer, Option } from "effect"
import { Cluster, singletonName } from "../../services/Cluster.js"
import {
  ConnectorConfig,
  connectorConfig,
  ConnectorConfigInvalid,
  type ConnectorConfigShape,
  type HostedConnector,
  type HostedEntries,
  HostedConnectors,
  probeConfig,
  type ProbeAddress,
  prefixOf,
  problemsOf,
  toInvalid,
  unambiguous
} from "../../services/ConnectorConfig.js"
import { ConnectorRegistry } from "../../services/ConnectorRegistry.js"
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
import * as RegisteredSources from "./RegisteredSources.js"

const unknownType = (type: string) => `unknown connector type "${type}" (known: ${types.join(", ")})`

/** The built-in source `type`, or a start failure naming the known types. */
export const lookup = (type: string): Effect.Effect<RunnableSource, ConnectorStartFailed> =>
  Option.match(Option.fromNullable(sources.get(type)), {
    onNone: () => Effect.fail(new ConnectorStartFailed({ connector: type, message: unknownType(type) })),
    onSome: Effect.succeed
  })

/** The CONNECTOR_* settings of `type` and its own settings, all checked at once. */
const settingsOf = (
  type: string,
  entry: RunnableSource,
  hosted: { readonly hostedWith: ReadonlyArray<string>; readonly entry?: string; readonly dataDir?: string } = { hostedWith: [] }
): Config.Config<ConnectorConfigShape> =>
  Config.all([
    connectorConfig({ connectorType: type, channel: entry.source.channel, provider: entry.source.provider, ...hosted }),
    entry.definition.config.settings
  ]).pipe(Config.map(([config]) => config))

const ownerOf = (type: string, entry: RunnableSource) => ({
  connectorType: type,
  channel: entry.source.channel,
  provider: entry.source.provider
})

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
 * instance the webhook routes read) until the hub stops, so `POST /telegram/{endpoint}/webhook` reaches it
 * on every hub; its polling and heartbeats run as the cluster singleton. The source must say it is the
 * type and endpoint it is hosted as (a registered module could say otherwise): they name the singleton
 * and the checkpoint, and the in-process principal is scoped to them.
 */
const hostedRuntime = ({ config, connectorType }: HostedConnector) => Layer.scopedDiscard(Effect.gen(function*() {
  const source = yield* SourceConnector
  if (source.connectorType !== connectorType || source.endpointIdentity !== config.endpointIdentity) {
    return yield* new ConnectorStartFailed({
      connector: connectorType,
      message: `the ${connectorType} source says it is ${JSON.stringify(source.connectorType.slice(0, 40))} serving ` +
        `${JSON.stringify(source.endpointIdentity.slice(0, 80))}, not ${connectorType} serving ${JSON.stringify(config.endpointIdentity.slice(0, 80))}`
    })
  }
  const { connector, runtime } = yield* makeRuntime
  const receivers = yield* PushReceivers
  const cluster = yield* Cluster
  if (connector.normalizePushed !== undefined) {
    yield* receivers.register(connector.connectorType, connector.endpointIdentity, (update) =>
      runtime.push(update).pipe(
        Effect.asVoid,
        Effect.mapError((e) => new PushFailed({ message: `${e._tag}: ${e.message}` })),
        Effect.annotateLogs({ connector: connector.connectorType, endpoint: connector.endpointIdentity, worker: "push" })
      ))
  }
  yield* cluster.singleton(
    { _tag: "Connector", connectorType: connector.connectorType, endpointIdentity: connector.endpointIdentity },
    runtime.run
  )
}))

/**
 * One connector as its own process: SWITCHBOARD_URL and SWITCHBOARD_API_TOKEN locate the hub. Its
 * settings and the probe's (CONNECTOR_HTTP_PORT, CONNECTOR_HTTP_HOST) are checked together.
 */
export const processLayer = (type: string, entry: RunnableSource) =>
  Layer.unwrapEffect(Effect.map(
    Effect.mapError(Config.all([settingsOf(type, entry), probeConfig]), toInvalid),
    ([config, probe]) =>
      processRuntime(probe).pipe(
        Layer.provide(
          Layer.mergeAll(entry.source.layer, FilesLive(ownerOf(type, entry))).pipe(Layer.provideMerge(RpcSwitchboardClient.layerConfig))
        ),
        Layer.provideMerge(Layer.succeed(ConnectorConfig, config)),
        Layer.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici))
      )
  )).pipe(
    // OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set (layers/Tracing), else the tracer is disabled
    Layer.provide(OtlpTracing.layer({ serviceName: `switchboard-connector-${type}` }))
  )

/** One connector inside the hub, on its checked settings. */
const hostedLayer = (hosted: HostedConnector, entry: RunnableSource) => {
  const { config, connectorType } = hosted
  return hostedRuntime(hosted).pipe(
    Layer.provide(Layer.mergeAll(entry.source.layer, FilesLive(ownerOf(connectorType, entry))).pipe(
      Layer.provideMerge(Layer.unwrapEffect(Effect.map(Cluster, (cluster) =>
        InProcessSwitchboardClient.layer(
          InProcessSwitchboardClient.principalFor(connectorType, {
            channel: entry.source.channel,
            provider: entry.source.provider,
            endpoint_identity: config.endpointIdentity
          }),
          // its checkpoint commits only while this process holds its singleton (the one hostedRuntime registers)
          {
            singleton: singletonName({ _tag: "Connector", connectorType, endpointIdentity: config.endpointIdentity }),
            holder: cluster.holder
          }
        ))))
    )),
    Layer.provide(Layer.succeed(ConnectorConfig, config)),
    Layer.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)),
    // Layers are memoized by reference: without a fresh build per connector, a second hosted connector
    // would get the first one's runtime (never started) and its checkpoint and dead-letter files.
    Layer.fresh
  )
}

/**
 * SWITCHBOARD_CONNECTORS: comma-separated entries the hub runs in-process (default none). An entry is a
 * connector type (a built-in source, or the id of a registered connector with a source face), or
 * `type:instance` for more than one connector of a type (`sandbox:a,sandbox:b`), whose own settings then
 * take the prefix `SANDBOX_A_CONNECTOR_…`.
 */
export const HostedConnectorsConfig = Config.string("SWITCHBOARD_CONNECTORS").pipe(
  Config.withDefault(""),
  Config.map((s) => s.split(",").map((t) => t.trim()).filter((t) => t.length > 0))
)

const ENTRY = /^([a-z][a-z0-9_-]{0,63})(?::([a-z0-9][a-z0-9_-]{0,31}))?$/

/** The type of an entry (`sandbox` of `sandbox:a`), or undefined when the entry is malformed. */
const typeOf = (entry: string) => ENTRY.exec(entry)?.[1]

/** One line per connector after the first of its type on an endpoint (they would share a singleton and a checkpoint). */
const clashesOf = (all: ReadonlyArray<HostedConnector>) =>
  all.filter((h, i) => all.findIndex((o) => o.connectorType === h.connectorType && o.config.endpointIdentity === h.config.endpointIdentity) !== i)
    .map((h) =>
      `${prefixOf(h.entry)}_CONNECTOR_ENDPOINT_IDENTITY: another ${h.connectorType} connector already serves "${h.config.endpointIdentity.slice(0, 80)}"`
    )

/** The settings of each entry, checked together, as HostedConnectors. */
const settingsOfAll = (
  wanted: ReadonlyArray<{ readonly entry: string; readonly type: string; readonly runnable: RunnableSource }>,
  all: Pick<HostedEntries, "entries" | "dataDir">
) =>
  Config.all(wanted.map(({ entry, runnable, type }) =>
    Config.map(
      settingsOf(type, runnable, { hostedWith: all.entries, entry, dataDir: all.dataDir }),
      (config): HostedConnector => ({ connectorType: type, entry, config })
    )
  ))

/**
 * Reads SWITCHBOARD_CONNECTORS and checks the settings of every built-in in it; an entry of another type is
 * kept as a registered connector, whose settings can be checked only once its definition is loaded
 * (HostedLive). Fails with every problem (malformed or repeated entries, missing, invalid or ambiguous
 * variables, two built-ins of a type on one endpoint), one line each.
 */
export const checkHostedEntries: Effect.Effect<HostedEntries, ConnectorConfigInvalid> = Effect.gen(function*() {
  const wanted = yield* Effect.mapError(HostedConnectorsConfig, toInvalid)
  const dataDir = yield* Effect.mapError(Config.string("SWITCHBOARD_DATA_DIR").pipe(Config.withDefault(".switchboard")), toInvalid)
  const hosted = Arr.dedupe(wanted)
  const listed = [
    ...hosted.filter((e) => typeOf(e) === undefined).map((e) =>
      `SWITCHBOARD_CONNECTORS: "${e.slice(0, 80)}" is not a connector type or type:instance (lowercase letters, digits, "_", "-")`
    ),
    ...hosted.filter((e) => wanted.filter((w) => w === e).length > 1)
      .map((e) => `SWITCHBOARD_CONNECTORS: "${e}" is listed more than once (to run another ${typeOf(e) ?? e} connector, name it "${typeOf(e) ?? e}:<instance>")`)
  ]
  const wellFormed = hosted.flatMap((entry) => {
    const type = typeOf(entry)
    return type === undefined ? [] : [{ entry, type }]
  })
  const entries = wellFormed.map((w) => w.entry)
  const builtins = wellFormed.flatMap(({ entry, type }) => {
    const runnable = sources.get(type)
    return runnable === undefined ? [] : [{ entry, type, runnable }]
  })
  const registered = wellFormed.filter(({ type }) => !sources.has(type)).map(({ entry, type }) => ({ connectorType: type, entry }))
  const checked = yield* Effect.either(Config.all([unambiguous(entries), settingsOfAll(builtins, { entries, dataDir })]))
  const problems = [
    ...listed,
    ...Either.match(checked, { onLeft: problemsOf, onRight: ([, all]) => clashesOf(all) })
  ]
  if (problems.length > 0 || Either.isLeft(checked)) return yield* new ConnectorConfigInvalid({ problems })
  return { builtins: checked.right[1], registered, entries, dataDir }
})

/** The built-ins of SWITCHBOARD_CONNECTORS with their checked settings (checkHostedEntries without the registered ones). */
export const checkHosted: Effect.Effect<ReadonlyArray<HostedConnector>, ConnectorConfigInvalid> = Effect.map(
  checkHostedEntries,
  (hosted) => hosted.builtins
)

/** The hosted connectors' entries and the built-ins' checked settings: built before the hub opens its port, so a bad one fails the start. */
export const HostedConfigLive = Layer.effect(HostedConnectors, checkHostedEntries)

/**
 * The registered connectors of SWITCHBOARD_CONNECTORS, each resolved through the registry and its settings
 * (CONNECTOR_* and the definition's own) checked like a built-in's; fails with every problem, one line each.
 */
const checkRegistered = (hosted: HostedEntries) =>
  Effect.gen(function*() {
    if (hosted.registered.length === 0) return []
    const registry = yield* ConnectorRegistry
    const resolved = yield* Effect.forEach(hosted.registered, (r) =>
      Effect.map(RegisteredSources.resolve(registry, r.connectorType), (runnable) => ({ ...r, runnable })))
    const runnable = resolved.flatMap(({ connectorType, entry, runnable }) =>
      Either.isRight(runnable) ? [{ entry, type: connectorType, runnable: runnable.right }] : []
    )
    const checked = yield* Effect.either(settingsOfAll(runnable, hosted))
    const problems = [
      ...resolved.flatMap(({ runnable }) => Either.isLeft(runnable) ? [`SWITCHBOARD_CONNECTORS: ${runnable.left}`] : []),
      ...Either.match(checked, { onLeft: problemsOf, onRight: clashesOf })
    ]
    if (problems.length > 0 || Either.isLeft(checked)) return yield* new ConnectorConfigInvalid({ problems })
    return Arr.zipWith(checked.right, runnable, (h, r) => hostedLayer(h, r.runnable))
  })

/**
 * Every connector named in SWITCHBOARD_CONNECTORS, running inside the hub on its Ingest service: the
 * built-ins on the settings HostedConfigLive checked, the registered ones once loaded and checked here.
 */
export const HostedLive = Layer.unwrapEffect(Effect.gen(function*() {
  const hosted = yield* HostedConnectors
  const builtins = yield* Effect.forEach(hosted.builtins, (h) => Effect.map(lookup(h.connectorType), (entry) => hostedLayer(h, entry)))
  const registered = yield* checkRegistered(hosted)
  return [...builtins, ...registered].reduce((all: Hosted, l) => Layer.merge(all, l), Layer.empty)
}))

/** HostedLive with its settings read here (tests; the hub provides HostedConfigLive first). */
export const layer = HostedLive.pipe(Layer.provide(HostedConfigLive))

type Hosted = ReturnType<typeof hostedLayer>
