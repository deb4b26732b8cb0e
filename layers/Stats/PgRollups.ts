/** Rollups on Postgres: one bucket at a time, recorded in stats_rollup_runs once complete; catch-up; pruning. */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Metric, Option } from "effect"
import { Cluster } from "../../services/Cluster.js"
import type { RollupKind } from "../../src/domain/StatsBuckets.js"
import { prunedRows, rollupDuration, rollupRows } from "../../src/metrics/Metrics.js"
import {
  bucketOf,
  bucketSize,
  DAY_MS,
  iso,
  isComplete,
  missingBuckets,
  truncDay,
  truncHour
} from "../../src/stats/Buckets.js"
import { type PruneReport, type RollupResult, Rollups, RollupsUnavailable } from "../../services/Rollups.js"
import { StatsConfig } from "../../services/StatsConfig.js"
import * as SqlFailure from "../Database/SqlFailure.js"
import * as Partitions from "./Partitions.js"
import * as RollupQueries from "./RollupQueries.js"

const ROLLUP_TIMEOUT = "10 minutes"
const CATCH_UP_TIMEOUT = "2 hours"

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const config = yield* StatsConfig
  // Who computes: the hub's runner (issue 15), "single" for a lone hub, "cli" for `switchboard rollup`.
  const runner = Option.match(yield* Effect.serviceOption(Cluster), { onNone: () => "cli", onSome: (c) => c.runner ?? "single" })
  const guard = SqlFailure.guard((reason) => new RollupsUnavailable({ message: reason }), ROLLUP_TIMEOUT)
  const run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => Effect.provideService(effect, SqlClient.SqlClient, sql)

  const statement = (kind: RollupKind, from: Date, to: Date) =>
    kind === "hourly"
      ? RollupQueries.hourly(from, to)
      : kind === "daily"
      ? RollupQueries.daily(from, to)
      : RollupQueries.fanout(from, to, config.fanoutLookbackDays)

  const rollupUnguarded = (kind: RollupKind, at: Date) =>
    Effect.gen(function*() {
      const bucket = bucketOf(kind, at.getTime())
      const start = yield* Clock.currentTimeMillis
      const rows = yield* run(statement(kind, new Date(bucket), new Date(bucket + bucketSize(kind))))
      const now = yield* Clock.currentTimeMillis
      const durationMs = now - start
      const complete = isComplete(kind, bucket, now)
      // Only a finished bucket is marked done: a partial one must be rolled up again by catch-up.
      if (complete) {
        yield* sql`INSERT INTO stats_rollup_runs ${
          sql.insert({ kind, bucket: new Date(bucket), row_count: rows, duration_ms: durationMs, ran_at: new Date(now), runner })
        } ON CONFLICT (kind, bucket) DO UPDATE SET row_count = EXCLUDED.row_count,
          duration_ms = EXCLUDED.duration_ms, ran_at = EXCLUDED.ran_at, runner = EXCLUDED.runner,
          computations = stats_rollup_runs.computations + 1`
      }
      yield* Metric.update(Metric.tagged(rollupDuration, "kind", kind), durationMs / 1000)
      yield* Metric.incrementBy(Metric.tagged(rollupRows, "kind", kind), rows)
      const annotations = { kind, bucket: iso(bucket), rows, duration_ms: durationMs }
      if (!complete) {
        yield* Effect.logWarning("rollup: bucket is not over yet; rows are partial and it stays pending").pipe(
          Effect.annotateLogs(annotations)
        )
      } else if (kind !== "fanout" && bucket + bucketSize(kind) <= truncDay(now) - config.heartbeatRetentionDays * DAY_MS) {
        yield* Effect.logWarning("rollup: raw heartbeats of this bucket are past retention; existing rows were kept").pipe(
          Effect.annotateLogs(annotations)
        )
      } else {
        yield* Effect.logInfo("rollup: bucket rolled up").pipe(Effect.annotateLogs(annotations))
      }
      const result: RollupResult = { kind, bucket: iso(bucket), rows, duration_ms: durationMs, complete }
      return result
    }).pipe(Effect.withSpan("Rollups.rollup", { attributes: { kind } }))

  const rollup = (kind: RollupKind, at: Date) => guard(rollupUnguarded(kind, at))

  /** The earliest data a kind could roll up within the window (null: nothing to do). */
  const earliestData = (kind: RollupKind, since: number) =>
    (kind === "fanout"
      ? sql<{ readonly t: Date | null }>`SELECT min(received_at) AS t FROM message_inbox
          WHERE received_at >= ${new Date(since - config.fanoutLookbackDays * DAY_MS)}`
      : sql<{ readonly t: Date | null }>`SELECT min(received_at) AS t FROM connector_heartbeat_log
          WHERE received_at >= ${new Date(since)}`).pipe(
        Effect.map((rows) => {
          const t = rows[0]?.t ?? null
          return t === null ? null : Math.max(t.getTime(), since)
        })
      )

  const catchUp = (kind: RollupKind) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const windowMs = config.catchUpDays * DAY_MS
      const since = bucketOf(kind, now - windowMs)
      const done = yield* sql<{ readonly bucket: Date }>`SELECT bucket FROM stats_rollup_runs
        WHERE kind = ${kind} AND bucket >= ${new Date(since)}`
      const buckets = missingBuckets(kind, {
        now,
        windowMs,
        earliestData: yield* earliestData(kind, since),
        done: new Set(done.map((d) => d.bucket.getTime()))
      })
      if (buckets.length > 1) {
        yield* Effect.logInfo("rollup: catching up missed buckets").pipe(
          Effect.annotateLogs({ kind, buckets: buckets.length, from: iso(buckets[0]!), to: iso(buckets[buckets.length - 1]!) })
        )
      }
      return yield* Effect.forEach(buckets, (b) => rollupUnguarded(kind, new Date(b)))
    }).pipe(SqlFailure.guard((reason) => new RollupsUnavailable({ message: reason }), CATCH_UP_TIMEOUT))

  const ensureUnguarded = Effect.gen(function*() {
    const today = truncDay(yield* Clock.currentTimeMillis)
    return yield* run(Partitions.ensureRange(today, today + config.partitionsAheadDays * DAY_MS))
  })

  const deleted = (rows: ReadonlyArray<{ readonly n: string }>) => Number(rows[0]?.n ?? 0)

  const prune = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const heartbeatCutoff = now - config.heartbeatRetentionDays * DAY_MS
    const hourlyCutoff = new Date(truncHour(now - config.hourlyRetentionDays * DAY_MS))
    const dailyCutoff = new Date(truncDay(now - config.dailyRetentionDays * DAY_MS))
    const attemptCutoff = new Date(truncHour(now - config.attemptRetentionDays * DAY_MS))
    const partitions = yield* run(Partitions.list)
    // A day partition goes only when all of it is past retention.
    const expired = partitions.filter((p) => p.day + DAY_MS <= heartbeatCutoff)
    const dropped = yield* Effect.forEach(expired, (p) =>
      Effect.map(run(Partitions.drop(p.name)), (rows) => ({ name: p.name, day: iso(p.day).slice(0, 10), rows })))
    const created = yield* ensureUnguarded
    const hourly = deleted(yield* sql<{ readonly n: string }>`WITH d AS (
      DELETE FROM connector_stats_hourly WHERE hour < ${hourlyCutoff} RETURNING 1) SELECT count(*) AS n FROM d`)
    const daily = deleted(yield* sql<{ readonly n: string }>`WITH d AS (
      DELETE FROM connector_stats_daily WHERE day < ${dailyCutoff} RETURNING 1) SELECT count(*) AS n FROM d`)
    const fanout = deleted(yield* sql<{ readonly n: string }>`WITH d AS (
      DELETE FROM connector_fanout_daily WHERE day < ${dailyCutoff} RETURNING 1) SELECT count(*) AS n FROM d`)
    // The attempt history of the console (issue 12); the outbox keeps each delivery's last outcome.
    const attempts = deleted(yield* sql<{ readonly n: string }>`WITH d AS (
      DELETE FROM delivery_attempts WHERE attempted_at < ${attemptCutoff} RETURNING 1) SELECT count(*) AS n FROM d`)
    yield* sql`DELETE FROM stats_rollup_runs WHERE bucket < ${dailyCutoff}`
    const report: PruneReport = {
      dropped_partitions: dropped,
      created_partitions: created.filter((name) => !partitions.some((p) => p.name === name)),
      hourly_rows: hourly,
      daily_rows: daily,
      fanout_rows: fanout,
      attempt_rows: attempts,
      cutoffs: {
        heartbeats: iso(heartbeatCutoff),
        hourly: iso(hourlyCutoff.getTime()),
        daily: iso(dailyCutoff.getTime()),
        attempts: iso(attemptCutoff.getTime())
      }
    }
    const heartbeatRows = dropped.reduce((n, d) => n + d.rows, 0)
    yield* Effect.forEach(
      [["connector_heartbeat_log", heartbeatRows], ["connector_stats_hourly", hourly], ["connector_stats_daily", daily], [
        "connector_fanout_daily",
        fanout
      ], ["delivery_attempts", attempts]] as const,
      ([table, n]) => Metric.incrementBy(Metric.tagged(prunedRows, "table", table), n),
      { discard: true }
    )
    yield* Effect.logInfo("prune: done").pipe(Effect.annotateLogs({
      dropped_partitions: dropped.map((d) => `${d.name} (${d.day}, ${d.rows} rows)`).join(", ") || "none",
      heartbeat_rows: heartbeatRows,
      hourly_rows: hourly,
      daily_rows: daily,
      fanout_rows: fanout,
      attempt_rows: attempts,
      created_partitions: report.created_partitions.join(", ") || "none",
      heartbeat_cutoff: report.cutoffs.heartbeats,
      hourly_cutoff: report.cutoffs.hourly,
      daily_cutoff: report.cutoffs.daily
    }))
    return report
  }).pipe(guard)

  return Rollups.of({ rollup, catchUp, prune, ensurePartitions: guard(ensureUnguarded) })
})

export const layer = Layer.effect(Rollups, make)
