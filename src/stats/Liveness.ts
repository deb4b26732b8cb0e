/** Liveness is derived at read time from the age of the last heartbeat (DESIGN.md §5.4). */
import type { Liveness } from "../domain/StatsApi.js"

export interface Thresholds {
  /** online while the last heartbeat is at most this many seconds old */
  readonly onlineThresholdS: number
  /** stale up to this age, offline beyond */
  readonly staleThresholdS: number
}

export const liveness = (lastHeartbeatMs: number | null, nowMs: number, t: Thresholds): Liveness => {
  if (lastHeartbeatMs === null) return "unknown"
  const ageS = Math.max(0, nowMs - lastHeartbeatMs) / 1000
  return ageS <= t.onlineThresholdS ? "online" : ageS <= t.staleThresholdS ? "stale" : "offline"
}

/** A percentage with two decimals; `part / whole × 100`, 0 for an empty whole. */
export const pct = (part: number, whole: number): number => (whole <= 0 ? 0 : Math.round((part / whole) * 10_000) / 100)

/** Healthy heartbeats over all heartbeats as a percentage, or null when there were none. */
export const uptimePct = (healthy: number, heartbeats: number): number | null =>
  heartbeats <= 0 ? null : pct(healthy, heartbeats)

/** Failed over all attempted messages (ingested + failed) as a percentage. */
export const errorRatePct = (ingested: number, failed: number): number => pct(failed, ingested + failed)
