/** UTC bucket arithmetic for rollups, windows and heartbeat-log partitions (pure). */
import type { RollupKind } from "../domain/StatsBuckets.js"

export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000

export const truncHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS
export const truncDay = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS

/** Length of one bucket of a kind. */
export const bucketSize = (kind: RollupKind): number => (kind === "hourly" ? HOUR_MS : DAY_MS)

/** Start of the bucket of `kind` that holds `ms`. */
export const bucketOf = (kind: RollupKind, ms: number): number => (kind === "hourly" ? truncHour(ms) : truncDay(ms))

/** Start of the newest bucket that has completely passed at `now`. */
export const lastCompleteBucket = (kind: RollupKind, now: number): number => bucketOf(kind, now) - bucketSize(kind)

/** Is the bucket over at `now` (so its rollup is final and may be recorded as done)? */
export const isComplete = (kind: RollupKind, bucket: number, now: number): boolean => bucket + bucketSize(kind) <= now

/**
 * Buckets that catch-up must roll up, oldest first: every complete bucket from the later of
 * (`now` − window) and the bucket of the earliest data, up to the last complete one, that is not done.
 */
export const missingBuckets = (
  kind: RollupKind,
  options: {
    readonly now: number
    readonly windowMs: number
    readonly earliestData: number | null
    readonly done: ReadonlySet<number>
  }
): ReadonlyArray<number> => {
  if (options.earliestData === null) return []
  const size = bucketSize(kind)
  const start = Math.max(bucketOf(kind, options.now - options.windowMs), bucketOf(kind, options.earliestData))
  const last = lastCompleteBucket(kind, options.now)
  const out: Array<number> = []
  for (let b = start; b <= last; b += size) if (!options.done.has(b)) out.push(b)
  return out
}

export const iso = (ms: number): string => new Date(ms).toISOString()

const PARTITION_PREFIX = "connector_heartbeat_log_p"

/** The name of the heartbeat-log partition that holds the UTC day starting at `dayMs`. */
export const partitionName = (dayMs: number): string => `${PARTITION_PREFIX}${iso(dayMs).slice(0, 10).replaceAll("-", "")}`

/** The day (start, ms) a partition name stands for, or undefined for names not made by `partitionName`. */
export const partitionDay = (name: string): number | undefined => {
  const m = /^connector_heartbeat_log_p(\d{4})(\d{2})(\d{2})$/.exec(name)
  if (m === null) return undefined
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  return partitionName(ms) === name ? ms : undefined
}
