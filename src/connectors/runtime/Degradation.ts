/**
 * The heartbeat's `degradation` object from the runtime's own counts and the connector's (pure). Every
 * count is sent, zeros included, so a scraper sees a series before its first increment; reasons that are
 * not a short word count as `other`, and past 32 reasons the rest are folded into `other` too.
 */
import {
  DEGRADATION_COUNTS,
  DEGRADATION_REASON,
  type Degradation,
  type DegradationCount,
  MAX_COUNTER,
  MAX_DEGRADATION_REASONS
} from "../../domain/Heartbeat.js"
import type { ConnectorDegradation } from "../../../services/SourceConnector.js"

/** Counts by kind (attachments by reason are kept apart). */
export type Counts = Readonly<Record<DegradationCount, number>>

/** What a connector counts itself (the runtime adds its own). */
export type OwnCounts = ConnectorDegradation

export const zero: Counts = Object.fromEntries(DEGRADATION_COUNTS.map((k) => [k, 0])) as Record<DegradationCount, number>

/**
 * Reasons of a dropped attachment that mean a failure (the media could not be fetched, processed or
 * stored), as opposed to a policy (too_large, too_many): each is counted in `media_failures` too.
 */
export const MEDIA_FAILURE_REASONS: ReadonlySet<string> = new Set(["download_failed", "compression_failed", "storage_failed"])

/** The reason to report for `reason`: itself when it is a short lowercase word, else `other`. */
export const reasonLabel = (reason: string) => (DEGRADATION_REASON.test(reason) ? reason : "other")

const clamp = (n: number) => Math.min(MAX_COUNTER, Math.max(0, Math.floor(Number.isFinite(n) ? n : 0)))

/** At most MAX_DEGRADATION_REASONS reasons: odd names and the ones past the limit become `other`. */
export const attachmentsSkipped = (byReason: Readonly<Record<string, number>>): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const [reason, n] of Object.entries(byReason)) {
    const label = reasonLabel(reason)
    const key = label in out || Object.keys(out).length < MAX_DEGRADATION_REASONS - 1 ? label : "other"
    out[key] = clamp((out[key] ?? 0) + n)
  }
  return out
}

/** The runtime's counts plus the connector's, and the attachments dropped by reason, as sent. */
export const toHeartbeat = (
  runtime: Counts,
  own: OwnCounts,
  skippedAttachments: Readonly<Record<string, number>>
): Degradation => {
  const counts = Object.fromEntries(DEGRADATION_COUNTS.map((k) => [k, clamp(runtime[k] + (own[k] ?? 0))])) as Record<
    DegradationCount,
    number
  >
  return { ...counts, attachments_skipped: attachmentsSkipped(skippedAttachments) }
}
