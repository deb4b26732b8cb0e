/** Statistics rollups and retention (DESIGN.md §7): idempotent per bucket, with catch-up and pruning. */
import { Context, type Effect, Schema } from "effect"
import type { RollupKind } from "../src/domain/StatsBuckets.js"

/** One bucket rolled up. */
export interface RollupResult {
  readonly kind: RollupKind
  /** start of the UTC bucket (ISO) */
  readonly bucket: string
  /** rows upserted into the stats table */
  readonly rows: number
  readonly duration_ms: number
  /** false when the bucket was not over yet: the rows are partial and the bucket is not marked done */
  readonly complete: boolean
}

/** What one pruning run removed and created. */
export interface PruneReport {
  /** dropped heartbeat-log partitions with their day and row count */
  readonly dropped_partitions: ReadonlyArray<{ readonly name: string; readonly day: string; readonly rows: number }>
  readonly created_partitions: ReadonlyArray<string>
  readonly hourly_rows: number
  readonly daily_rows: number
  readonly fanout_rows: number
  /** delivery attempt history rows (delivery_attempts) */
  readonly attempt_rows: number
  /** everything before these instants was removed */
  readonly cutoffs: { readonly heartbeats: string; readonly hourly: string; readonly daily: string; readonly attempts: string }
}

/** The database could not be reached or did not answer in time. */
export class RollupsUnavailable extends Schema.TaggedError<RollupsUnavailable>()("RollupsUnavailable", {
  message: Schema.String
}) {}

export interface RollupsService {
  /** Rolls up the bucket of `kind` that holds `at` (an upsert: re-running it gives the same rows). */
  readonly rollup: (kind: RollupKind, at: Date) => Effect.Effect<RollupResult, RollupsUnavailable>
  /** Rolls up, oldest first, every complete bucket of `kind` in the catch-up window that was never rolled up. */
  readonly catchUp: (kind: RollupKind) => Effect.Effect<ReadonlyArray<RollupResult>, RollupsUnavailable>
  /** Drops expired heartbeat partitions, creates the next days' ones, deletes expired stats rows (as of `now`). */
  readonly prune: Effect.Effect<PruneReport, RollupsUnavailable>
  /** Creates the heartbeat-log partitions for today and the configured days ahead. */
  readonly ensurePartitions: Effect.Effect<ReadonlyArray<string>, RollupsUnavailable>
}

export class Rollups extends Context.Tag("switchboard/Rollups")<Rollups, RollupsService>() {}
