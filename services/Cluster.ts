/**
 * The hub as a runner of an @effect/cluster (issue 15). Work that must happen once across every hub on the
 * database (a hosted connector's polling, the stats worker) runs as a named singleton: on exactly one runner at
 * a time, taken over by another runner when its runner dies or stops. Without SWITCHBOARD_CLUSTER (and always
 * on the embedded database) the hub is a single runner on the same code path.
 */
import { Context, type Effect, type Scope } from "effect"

/** What a singleton is, for /ready, /metrics and the dashboard. */
export type SingletonKind =
  | { readonly _tag: "Connector"; readonly connectorType: string; readonly endpointIdentity: string }
  | { readonly _tag: "Worker"; readonly worker: string }

/** The name a singleton is registered under: `connector:<type>:<endpoint_identity>`, `stats:rollups`. */
export const singletonName = (kind: SingletonKind): string =>
  kind._tag === "Connector" ? `connector:${kind.connectorType}:${kind.endpointIdentity}` : kind.worker

export interface ClusterState {
  /** `single` (one runner, no socket) or `cluster` (SWITCHBOARD_CLUSTER=true). */
  readonly mode: "single" | "cluster"
  /** This runner's address (`host:port`), null for the single runner. */
  readonly runner: string | null
  /** Names of the singletons running on this runner now, sorted. */
  readonly singletons: ReadonlyArray<string>
  /** Shards this runner holds. */
  readonly shards: number
}

export interface ClusterService {
  readonly mode: "single" | "cluster"
  /** This runner's address, or null for the single runner. */
  readonly runner: string | null
  /**
   * This process as a singleton holder: its runner and an id of this start (`127.0.0.1:34431/<uuid>`). A
   * singleton records its holder before it runs; a checkpoint fenced by it commits only while it is the holder.
   */
  readonly holder: string
  /**
   * Registers `run` as the singleton `kind` until the scope closes: it runs on exactly one runner of the
   * cluster at a time, is interrupted when this runner loses it (its finalizers run) and restarted after a
   * failure. `run` is not expected to end. Before it runs, this process is recorded as its holder
   * (switchboard_singletons; retried until the database takes it).
   */
  readonly singleton: <E, R>(kind: SingletonKind, run: Effect.Effect<void, E, R>) => Effect.Effect<void, never, R | Scope.Scope>
  /** What runs here now. */
  readonly state: Effect.Effect<ClusterState>
}

export class Cluster extends Context.Tag("switchboard/Cluster")<Cluster, ClusterService>() {}
