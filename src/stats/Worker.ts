/**
 * The scheduled statistics fibers of the hub: at start, the heartbeat partitions ahead, catch-up of
 * every missed bucket and pruning; then hourly at :05 UTC the hourly catch-up (normally just the
 * previous hour) and daily at 00:15 UTC the daily and fanout catch-up followed by pruning. Each
 * tick rolls up whatever is missing, so a failed or skipped tick heals at the next one.
 */
import { Cause, Effect, Layer, Metric, Schedule } from "effect"
import { rollupFailures } from "../metrics/Metrics.js"
import { Cluster } from "../../services/Cluster.js"
import { Rollups } from "../../services/Rollups.js"
import { StatsConfig } from "../../services/StatsConfig.js"

export const HOURLY_CRON = Schedule.cron("5 * * * *", "UTC")
export const DAILY_CRON = Schedule.cron("15 0 * * *", "UTC")

/** Runs one job; a failure is counted and logged, and the loop goes on. */
const guarded = <A, E>(job: string, effect: Effect.Effect<A, E>) =>
  effect.pipe(
    Effect.asVoid,
    Effect.catchAllCause((cause) =>
      Metric.increment(Metric.tagged(rollupFailures, "job", job)).pipe(
        Effect.zipRight(Effect.logError(`stats: ${job} failed; the next tick catches up`, Cause.pretty(cause)))
      )
    ),
    Effect.annotateLogs({ job })
  )

const jobs = Effect.map(Rollups, (rollups) => ({
  hourly: guarded("hourly", rollups.catchUp("hourly")),
  daily: Effect.all([
    guarded("daily", rollups.catchUp("daily")),
    guarded("fanout", rollups.catchUp("fanout")),
    guarded("prune", rollups.prune)
  ], { discard: true }),
  partitions: guarded("partitions", rollups.ensurePartitions)
}))

/** What the hub does once at start: partitions ahead, then catch-up of every kind and pruning. */
export const startup = Effect.flatMap(jobs, (j) => Effect.all([j.partitions, j.hourly, j.daily], { discard: true }))

/** The cron-driven loops: hourly at :05 UTC, daily at 00:15 UTC; they never end. */
export const schedules = Effect.flatMap(jobs, (j) =>
  Effect.all([Effect.schedule(j.hourly, HOURLY_CRON), Effect.schedule(j.daily, DAILY_CRON)], {
    concurrency: "unbounded",
    discard: true
  }))

export const program = Effect.zipRight(startup, schedules).pipe(Effect.annotateLogs({ worker: "stats" }))

/** The name of the stats worker's cluster singleton. */
export const SINGLETON = "stats:rollups"

/**
 * The worker as the cluster singleton `stats:rollups` (off when SWITCHBOARD_ROLLUPS=false): on one hub of the
 * cluster at a time, so rollups, catch-up and pruning never run on two runners at once (issue 15); a runner
 * that takes it over starts with the catch-up, which rolls up only what stats_rollup_runs does not have.
 */
export const layer = Layer.scopedDiscard(
  Effect.gen(function*() {
    const config = yield* StatsConfig
    if (!config.rollupsEnabled) return yield* Effect.logInfo("stats: scheduled rollups are off (SWITCHBOARD_ROLLUPS=false)")
    const cluster = yield* Cluster
    yield* cluster.singleton({ _tag: "Worker", worker: SINGLETON }, program)
  })
)
