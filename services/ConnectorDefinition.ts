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
import type { FileSystem, HttpClient, HttpServerRequest, HttpServerResponse, Path } from "@effect/platform"
import type { Config, ConfigError, Effect, Layer } from "effect"
import type { Channel, Provider } from "../src/domain/Envelope.js"
import type { ConnectorConfig } from "./ConnectorConfig.js"
import type { ConnectorActions } from "./ConnectorActions.js"
import type { ResourceConnector } from "./ConnectorResources.js"
import type { PushReceivers } from "./PushReceivers.js"
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

/** What the hub provides to a push endpoint's handler (the receivers hosted connectors register). */
export type PushHost = PushReceivers

/**
 * Answers one pushed request for `endpoint` (the path's `:endpoint` segment, untrusted and unchecked):
 * verifies the sender before it reads the body, caps the body, and says what was wrong in a 4xx.
 */
export type PushHandler = (
  request: HttpServerRequest.HttpServerRequest,
  endpoint: string
) => Effect.Effect<HttpServerResponse.HttpServerResponse>

/** An HTTP endpoint the hub serves for a source in push mode (a webhook, a Pub/Sub push). */
export interface PushEndpoint {
  /** POST path with exactly one `:endpoint` segment, the endpoint identity: `/telegram/:endpoint/webhook`. */
  readonly path: `/${string}`
  /** Builds the handler once, when the hub starts (reading its verification settings then). */
  readonly handler: Effect.Effect<PushHandler, ConfigError.ConfigError, PushHost>
}

/**
 * A source face; `R` is what its layer needs: SourceHost for an SDK connector, more for a built-in whose
 * layer names services (TelegramApi, BlobStore…) that layers/Connectors/ provides before a host runs it.
 */
export interface SourceFace<R = SourceHost> {
  /** Channel of every envelope it submits (the in-process principal is scoped to it). */
  readonly channel: Channel
  /** Provider of every envelope it submits. */
  readonly provider: Provider
  /** Builds the source from its settings and what the host provides. */
  readonly layer: Layer.Layer<SourceConnector, ConnectorStartFailed | ConfigError.ConfigError, R>
  /** Names of its own heartbeat source counters (and `skipped.<reason>` it uses) that /metrics exports. */
  readonly sourceCounters?: ReadonlyArray<string>
  /** Endpoints the hub serves so that pushed updates reach the hosted source (its PushReceivers registration). */
  readonly push?: ReadonlyArray<PushEndpoint>
}

/** A sample resource of one type, for the conformance suite, `connectors scaffold` and the docs. */
export interface ResourceExample {
  readonly type: string
  /** A valid create payload (without `id`). */
  readonly create: Readonly<Record<string, unknown>>
  /** A valid update patch. */
  readonly patch: Readonly<Record<string, unknown>>
  /** A payload the connector refuses with ResourceInvalid, when it validates shapes. */
  readonly invalid?: Readonly<Record<string, unknown>>
}

export interface ResourcesFace {
  readonly layer: Layer.Layer<ResourceConnector, ConnectorStartFailed | ConfigError.ConfigError, ResourceHost>
  /** Sample payloads per resource type (a `"*"` connector may give a few types). */
  readonly examples?: ReadonlyArray<ResourceExample>
}

/** An actions face; `R` is what its layer needs: ResourceHost for an SDK connector, more for a built-in (as for SourceFace). */
export interface ActionsFace<R = ResourceHost> {
  readonly layer: Layer.Layer<ConnectorActions, ConnectorStartFailed | ConfigError.ConfigError, R>
}

/**
 * A connector; `R` is what its source layer needs (see SourceFace), `RA` what its actions layer needs
 * (ResourceHost, or anything when the definition is only inspected: `ConnectorDefinition<unknown>`).
 */
export interface ConnectorDefinition<R = SourceHost, RA = unknown extends R ? unknown : ResourceHost> {
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
  readonly source?: SourceFace<R>
  readonly actions?: ActionsFace<RA>
  readonly resources?: ResourcesFace
}

/**
 * Identity, for inference and one place to find connector modules by (`export default defineConnector({…})`).
 * A built-in whose source names more services says which: `defineConnector<SourceHost | TelegramApi>({…})`.
 */
export const defineConnector = <
  R = SourceHost,
  RA = ResourceHost,
  const D extends ConnectorDefinition<R, RA> = ConnectorDefinition<R, RA>
>(
  definition: D
): D => definition
