/**
 * One connector model (issue 11). A connector is a module exporting one `ConnectorDefinition`: its id,
 * the variables it reads (which are secrets), and up to three faces, each a Layer that names only
 * services, never their implementations:
 *   - source:    the runtime contract of services/SourceConnector.ts (fetch / push / cursor);
 *   - actions:   outbound calls by name (services/ConnectorActions.ts);
 *   - resources: connect / list / get / create / update / delete / disconnect (services/ConnectorResources.ts).
 * The host that runs a face (a connector process, the hub, the CLI, the conformance suite) provides
 * the services listed in its `*Host` type; the composition that picks implementations lives in layers/.
 */
import type { FileSystem, HttpClient, Path } from "@effect/platform"
import type { Config, ConfigError, Layer } from "effect"
import type { Channel, Provider } from "../src/domain/Envelope.js"
import type { ConnectorConfig } from "./ConnectorConfig.js"
import type { ConnectorActions } from "./ConnectorActions.js"
import type { ResourceConnector } from "./ConnectorResources.js"
import type { ResourceStore } from "./ResourceStore.js"
import type { ConnectorStartFailed, SourceConnector } from "./SourceConnector.js"

/** What the host (a connector process or the hub) provides to a source face. */
export type SourceHost = ConnectorConfig | HttpClient.HttpClient | FileSystem.FileSystem | Path.Path

/** What the host provides to a resources or actions face. */
export type ResourceHost = ResourceStore | HttpClient.HttpClient | FileSystem.FileSystem | Path.Path

/** One environment variable a connector reads. */
export interface ConfigVariable {
  /** Upper-case name, e.g. OUTLOOK_TOKEN. */
  readonly name: string
  /** Never logged, printed or exported; read as Redacted. */
  readonly secret: boolean
  /** Whether the connector refuses to start without it. */
  readonly required: boolean
  readonly description: string
  /** The default when unset, as text (never for a secret). */
  readonly default?: string
}

export interface SourceFace {
  /** Channel of every envelope it submits (the in-process principal is scoped to it). */
  readonly channel: Channel
  /** Provider of every envelope it submits. */
  readonly provider: Provider
  readonly layer: Layer.Layer<SourceConnector, ConnectorStartFailed | ConfigError.ConfigError, SourceHost>
  /** Names of its own heartbeat source counters (and `skipped.<reason>` it uses) that /metrics exports. */
  readonly sourceCounters?: ReadonlyArray<string>
}

export interface ResourcesFace {
  readonly layer: Layer.Layer<ResourceConnector, ConnectorStartFailed | ConfigError.ConfigError, ResourceHost>
}

export interface ActionsFace {
  readonly layer: Layer.Layer<ConnectorActions, ConnectorStartFailed | ConfigError.ConfigError, ResourceHost>
}

export interface ConnectorDefinition {
  /** Registry id: 1–40 of a-z 0-9 - _, starting with a letter. */
  readonly id: string
  readonly description: string
  readonly config: {
    readonly variables: ReadonlyArray<ConfigVariable>
    /**
     * Reads and checks every variable at once (named as listed), so a bad setting is reported before
     * anything starts; each face reads its settings again when its layer is built.
     */
    readonly settings: Config.Config<unknown>
  }
  readonly source?: SourceFace
  readonly actions?: ActionsFace
  readonly resources?: ResourcesFace
}

/** Identity, for inference and one place to find connector modules by (`export default defineConnector({…})`). */
export const defineConnector = <const D extends ConnectorDefinition>(definition: D): D => definition
