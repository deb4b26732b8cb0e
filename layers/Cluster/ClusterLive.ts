/**
 * Cluster on @effect/cluster (issue 15). With SWITCHBOARD_CLUSTER=true (DATABASE_URL only) the hub is a
 * socket runner (NodeClusterSocket) whose runners, shard locks and messages live in the shared Postgres
 * (SqlRunnerStorage / SqlMessageStorage create their `cluster_*` tables on first start, with their own
 * migration table); otherwise it is a single runner with in-memory storage and no socket. Either way work
 * that must run once is a `Sharding` singleton, so there is one way things run.
 *
 * Fail-over: a runner that dies loses its shard locks (Postgres advisory locks, freed with its connection)
 * and its registration expires after SWITCHBOARD_CLUSTER_LOCK_EXPIRY_S; the other runners then take its
 * shards and start its singletons. BENCHMARKS.md has the measured distribution.
 */
import { RunnerAddress, ShardId, Sharding, ShardingConfig } from "@effect/cluster"
import * as MessageStorage from "@effect/cluster/MessageStorage"
import * as RunnerHealth from "@effect/cluster/RunnerHealth"
import * as Runners from "@effect/cluster/Runners"
import * as RunnerStorage from "@effect/cluster/RunnerStorage"
import { NodeClusterSocket } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Cause, Clock, Config, ConfigError, Duration, Effect, Layer, Metric, Option, Ref, Schedule } from "effect"
import * as Crypto from "node:crypto"
import { shardsHeld, singletonRestarts, singletonRunning } from "../../src/metrics/Metrics.js"
import { Cluster, type ClusterService, singletonName, type SingletonKind } from "../../services/Cluster.js"
import { DatabaseLocation } from "../../services/Database.js"

export interface ClusterSettings {
  /** SWITCHBOARD_CLUSTER: be a runner of a cluster (DATABASE_URL only). */
  readonly enabled: boolean
  /** SWITCHBOARD_RUNNER_ADDRESS: the host other runners reach this one at (default 127.0.0.1). */
  readonly host: string
  /** SWITCHBOARD_RUNNER_PORT: the runner's socket port (default 34431). */
  readonly port: number
  /** SWITCHBOARD_CLUSTER_LOCK_REFRESH_S: how often shard locks and the runner's registration are refreshed. */
  readonly lockRefresh: Duration.Duration
  /** SWITCHBOARD_CLUSTER_LOCK_EXPIRY_S: when an unrefreshed lock or registration counts as abandoned. */
  readonly lockExpiry: Duration.Duration
}

/** A failed singleton waits this long before it is started again (on this runner, while it holds it). */
const RESTART_AFTER = Duration.seconds(5)

/** Recording the holder of a singleton is retried from 200 ms, doubling, at most every 5 s. */
const RECORD_RETRY = Schedule.union(Schedule.exponential(Duration.millis(200)), Schedule.spaced(Duration.seconds(5)))

const seconds = (name: string, fallback: number) =>
  Config.number(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be a number of seconds from 0.5 to 600`, validation: (s) => s >= 0.5 && s <= 600 }),
    Config.map((s) => Duration.millis(Math.round(s * 1000)))
  )

export const SettingsConfig: Config.Config<ClusterSettings> = Config.all({
  enabled: Config.boolean("SWITCHBOARD_CLUSTER").pipe(Config.withDefault(false)),
  host: Config.string("SWITCHBOARD_RUNNER_ADDRESS").pipe(
    Config.withDefault("127.0.0.1"),
    Config.validate({
      message: "SWITCHBOARD_RUNNER_ADDRESS must be a host name or IP address (letters, digits, '.', '-', ':')",
      validation: (h) => /^[A-Za-z0-9.:-]{1,253}$/.test(h)
    })
  ),
  port: Config.integer("SWITCHBOARD_RUNNER_PORT").pipe(
    Config.withDefault(34431),
    Config.validate({ message: "SWITCHBOARD_RUNNER_PORT must be 1 to 65535", validation: (p) => p >= 1 && p <= 65535 })
  ),
  lockRefresh: seconds("SWITCHBOARD_CLUSTER_LOCK_REFRESH_S", 2),
  lockExpiry: seconds("SWITCHBOARD_CLUSTER_LOCK_EXPIRY_S", 10)
}).pipe(
  Config.validate({
    message: "SWITCHBOARD_CLUSTER_LOCK_EXPIRY_S must be at least twice SWITCHBOARD_CLUSTER_LOCK_REFRESH_S",
    validation: (s) => Duration.greaterThanOrEqualTo(s.lockExpiry, Duration.times(s.lockRefresh, 2))
  })
)

/** Shards in the one shard group: hubs run no entities, shards only carry singletons, so a few suffice. */
const SHARDS = 30

const sharding = (s: ClusterSettings) => ({
  runnerAddress: Option.some(RunnerAddress.make(s.host, s.port)),
  shardLockRefreshInterval: s.lockRefresh,
  shardLockExpiration: s.lockExpiry,
  shardsPerGroup: SHARDS,
  availableShardGroups: ["default"],
  assignedShardGroups: ["default"]
})

/** The advisory lock (two-key form: class 68, the migration of issue 15) that serializes runners' starts. */
const START_LOCK = [68, 1] as const

/**
 * Builds `layer` while holding a session advisory lock on a connection of its own: @effect/cluster's SQL
 * storages create their tables on first start with `CREATE TABLE IF NOT EXISTS`, which races when several
 * hubs start on a fresh database at once (one fails on `pg_type_typname_nsp_index`). The lock is released once
 * the layer is built; what it built lives in the caller's scope.
 */
const oneStartAtATime = <ROut, E, RIn>(layer: Layer.Layer<ROut, E, RIn>) =>
  Layer.scopedContext(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const outer = yield* Effect.scope
    return yield* Effect.scoped(Effect.gen(function*() {
      const conn = yield* sql.reserve
      yield* conn.executeRaw("SELECT pg_advisory_lock($1, $2)", [...START_LOCK])
      return yield* Layer.buildWithScope(layer, outer).pipe(
        Effect.ensuring(Effect.ignore(conn.executeRaw("SELECT pg_advisory_unlock($1, $2)", [...START_LOCK])))
      )
    }))
  }))

/** A socket runner over the shared Postgres (its storages create their tables on a first start, one runner at a time). */
export const clusterSharding = (s: ClusterSettings) =>
  oneStartAtATime(NodeClusterSocket.layer({ storage: "sql", shardingConfig: sharding(s) }))

/** One runner, nothing stored, no socket: the same Sharding and singletons as a cluster of one. */
const singleSharding = Sharding.layer.pipe(
  Layer.provideMerge(Runners.layerNoop),
  Layer.provideMerge(MessageStorage.layerMemory),
  Layer.provide([RunnerStorage.layerMemory, RunnerHealth.layerNoop]),
  Layer.provide(ShardingConfig.layer({ shardsPerGroup: SHARDS }))
)

const make = (settings: ClusterSettings) =>
  Effect.gen(function*() {
    const shardingService = yield* Sharding.Sharding
    const sql = yield* SqlClient.SqlClient
    const mode = settings.enabled ? "cluster" as const : "single" as const
    const runner = settings.enabled ? `${settings.host}:${settings.port}` : null
    const running = yield* Ref.make(new Set<string>())
    const holder = `${runner ?? "single"}/${Crypto.randomUUID()}`

    /**
     * This process as the singleton's holder (and where it runs, for the dashboard and `checkpoints list`),
     * before it runs: the row lock of this update waits for a checkpoint commit of the previous holder in
     * flight, and every later one of that holder is refused (PgConnectorCheckpoints.holds). Retried until
     * the database takes it: running without it, its own commits would be refused.
     */
    const record = (name: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        sql`INSERT INTO switchboard_singletons (name, runner, holder, started_at)
          VALUES (${name}, ${runner ?? "single"}, ${holder}, ${new Date(now)})
          ON CONFLICT (name) DO UPDATE SET runner = EXCLUDED.runner, holder = EXCLUDED.holder, started_at = EXCLUDED.started_at`).pipe(
        Effect.tapError((e) => Effect.logWarning(`cluster: could not record this runner as the holder of ${name}, retrying: ${e.message}`)),
        Effect.retry(RECORD_RETRY),
        Effect.asVoid
      )

    const gauge = (kind: SingletonKind) =>
      kind._tag === "Connector"
        ? Option.some(singletonRunning.pipe(
          Metric.tagged("connector_type", kind.connectorType),
          Metric.tagged("endpoint_identity", kind.endpointIdentity)
        ))
        : Option.none()

    const setGauge = (kind: SingletonKind, value: number) =>
      Option.match(gauge(kind), { onNone: () => Effect.void, onSome: (g) => Metric.set(g, value) })

    const singleton: ClusterService["singleton"] = (kind, run) => {
      const name = singletonName(kind)
      const supervised = Effect.sandbox(run).pipe(
        Effect.tapError((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.void
            : Effect.zipRight(
              Metric.increment(Metric.tagged(singletonRestarts, "singleton", name)),
              Effect.logError(`cluster: singleton ${name} failed; restarting it in ${Duration.format(RESTART_AFTER)}`, cause).pipe(
                Effect.annotateLogs({ degradation: "singleton_restarts" })
              )
            )
        ),
        Effect.retry({ schedule: Schedule.spaced(RESTART_AFTER), while: (cause) => !Cause.isInterruptedOnly(cause) }),
        Effect.unsandbox
      )
      const here = Effect.gen(function*() {
        yield* record(name)
        yield* Ref.update(running, (s) => new Set(s).add(name))
        yield* setGauge(kind, 1)
        yield* Effect.logInfo(`cluster: singleton ${name} started on this runner`)
        return yield* supervised
      }).pipe(
        Effect.ensuring(Effect.all([
          Ref.update(running, (s) => {
            const next = new Set(s)
            next.delete(name)
            return next
          }),
          setGauge(kind, 0),
          Effect.logInfo(`cluster: singleton ${name} stopped on this runner`)
        ], { discard: true })),
        Effect.annotateLogs({ singleton: name, runner: runner ?? "single" })
      )
      return Effect.zipRight(setGauge(kind, 0), shardingService.registerSingleton(name, here))
    }

    const state = Effect.gen(function*() {
      const names = [...(yield* Ref.get(running))].sort()
      // Counted here: effect_cluster_shards is not lowered when shards are released.
      let shards = 0
      for (let id = 1; id <= SHARDS; id++) if (shardingService.hasShardId(ShardId.make("default", id))) shards++
      yield* Metric.set(shardsHeld, shards)
      return { mode, runner, singletons: names, shards }
    })

    yield* Effect.logInfo(settings.enabled ? `cluster: runner ${runner} joined` : "cluster: single runner").pipe(
      Effect.annotateLogs({ mode, lock_refresh: Duration.format(settings.lockRefresh), lock_expiry: Duration.format(settings.lockExpiry) })
    )
    return Cluster.of({ mode, runner, holder, singleton, state })
  })

/**
 * The Cluster service on the configured database: a socket runner with SWITCHBOARD_CLUSTER=true (refused on
 * the embedded database, which only one process may open), else the single runner.
 */
export const layer = Layer.unwrapEffect(Effect.gen(function*() {
  const settings = yield* SettingsConfig
  const location = yield* DatabaseLocation
  if (settings.enabled && location.kind !== "postgres") {
    return yield* Effect.fail(ConfigError.InvalidData(["SWITCHBOARD_CLUSTER"],
      "SWITCHBOARD_CLUSTER=true needs DATABASE_URL: the embedded database belongs to one process"))
  }
  return Layer.effect(Cluster, make(settings)).pipe(
    Layer.provide(settings.enabled ? clusterSharding(settings) : singleSharding)
  )
}))
