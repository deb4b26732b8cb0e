/** Settings of heartbeats, liveness, rollups and retention (DESIGN.md §5.4, §7), read once when the layer is built. */
import { Config, Context, Effect, Layer } from "effect"

export interface StatsConfigShape {
  /** A connector is `online` while its last heartbeat is at most this old (SWITCHBOARD_LIVENESS_ONLINE_S, 150). */
  readonly onlineThresholdS: number
  /** ... and `stale` up to this age, `offline` beyond (SWITCHBOARD_LIVENESS_STALE_S, 270). */
  readonly staleThresholdS: number
  /** Days of raw heartbeats kept; whole day partitions older than this are dropped (SWITCHBOARD_HEARTBEAT_RETENTION_DAYS, 7). */
  readonly heartbeatRetentionDays: number
  /** Days of hourly statistics kept (SWITCHBOARD_HOURLY_RETENTION_DAYS, 30). */
  readonly hourlyRetentionDays: number
  /** Days of daily statistics and fanout kept (SWITCHBOARD_DAILY_RETENTION_DAYS, 365). */
  readonly dailyRetentionDays: number
  /** Days of delivery attempt history kept (SWITCHBOARD_ATTEMPT_RETENTION_DAYS, 30; issue 12). */
  readonly attemptRetentionDays: number
  /** Day partitions of the heartbeat log created ahead of today (SWITCHBOARD_PARTITIONS_AHEAD_DAYS, 3). */
  readonly partitionsAheadDays: number
  /** How far back catch-up looks for buckets never rolled up (SWITCHBOARD_ROLLUP_CATCHUP_DAYS, 7). */
  readonly catchUpDays: number
  /** Fanout counts deliveries of messages received up to this many days before the day (SWITCHBOARD_FANOUT_LOOKBACK_DAYS, 7). */
  readonly fanoutLookbackDays: number
  /** Run the scheduled rollup fibers in the hub (SWITCHBOARD_ROLLUPS, true). */
  readonly rollupsEnabled: boolean
}

export const defaults: StatsConfigShape = {
  onlineThresholdS: 150,
  staleThresholdS: 270,
  heartbeatRetentionDays: 7,
  hourlyRetentionDays: 30,
  dailyRetentionDays: 365,
  attemptRetentionDays: 30,
  partitionsAheadDays: 3,
  catchUpDays: 7,
  fanoutLookbackDays: 7,
  rollupsEnabled: true
}

const positive = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `${name} must be a positive whole number`, validation: (n) => n > 0 }),
    Config.withDefault(fallback)
  )

export const StatsConfigFromEnv: Config.Config<StatsConfigShape> = Config.all({
  onlineThresholdS: positive("SWITCHBOARD_LIVENESS_ONLINE_S", defaults.onlineThresholdS),
  staleThresholdS: positive("SWITCHBOARD_LIVENESS_STALE_S", defaults.staleThresholdS),
  heartbeatRetentionDays: positive("SWITCHBOARD_HEARTBEAT_RETENTION_DAYS", defaults.heartbeatRetentionDays),
  hourlyRetentionDays: positive("SWITCHBOARD_HOURLY_RETENTION_DAYS", defaults.hourlyRetentionDays),
  dailyRetentionDays: positive("SWITCHBOARD_DAILY_RETENTION_DAYS", defaults.dailyRetentionDays),
  attemptRetentionDays: positive("SWITCHBOARD_ATTEMPT_RETENTION_DAYS", defaults.attemptRetentionDays),
  partitionsAheadDays: positive("SWITCHBOARD_PARTITIONS_AHEAD_DAYS", defaults.partitionsAheadDays),
  catchUpDays: positive("SWITCHBOARD_ROLLUP_CATCHUP_DAYS", defaults.catchUpDays),
  fanoutLookbackDays: positive("SWITCHBOARD_FANOUT_LOOKBACK_DAYS", defaults.fanoutLookbackDays),
  rollupsEnabled: Config.boolean("SWITCHBOARD_ROLLUPS").pipe(Config.withDefault(defaults.rollupsEnabled))
}).pipe(
  Config.validate({
    message: "SWITCHBOARD_LIVENESS_STALE_S must be larger than SWITCHBOARD_LIVENESS_ONLINE_S",
    validation: (c) => c.staleThresholdS > c.onlineThresholdS
  })
)

export class StatsConfig extends Context.Tag("switchboard/StatsConfig")<StatsConfig, StatsConfigShape>() {
  static readonly layer = Layer.effect(StatsConfig, Effect.map(StatsConfigFromEnv, (c) => StatsConfig.of(c)))
  static readonly layerWith = (overrides: Partial<StatsConfigShape> = {}) =>
    Layer.succeed(StatsConfig, StatsConfig.of({ ...defaults, ...overrides }))
}
