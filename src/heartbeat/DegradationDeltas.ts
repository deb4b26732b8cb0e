/**
 * Deltas and running totals of heartbeat `degradation` objects (pure), by the rule of the other counters
 * (Deltas.ts): counts are monotonic since process start, so a new instance contributes everything it
 * reports, and a count that went down within one instance was reset and contributes its new value. The
 * totals saturate at MAX_SUM and keep at most MAX_TOTAL_REASONS attachment reasons (the rest count as `other`).
 */
import { DEGRADATION_COUNTS, type Degradation, type DegradationCount, MAX_SUM } from "../domain/Heartbeat.js"

/** Attachment reasons a connector's totals keep by name (across all its instances). */
export const MAX_TOTAL_REASONS = 64

/** Every count present (zeros included), attachments by reason. */
export type FullDegradation = Readonly<Record<DegradationCount, number>> & {
  readonly attachments_skipped: Readonly<Record<string, number>>
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0

const record = (u: unknown): Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u) ? (u as Record<string, unknown>) : {}

/** A stored (or received) degradation object with every count; anything that is not a count reads 0. */
export const full = (u: unknown): FullDegradation => {
  const o = record(u)
  const counts = Object.fromEntries(DEGRADATION_COUNTS.map((k) => [k, isCount(o[k]) ? o[k] : 0]))
  const reasons = Object.entries(record(o["attachments_skipped"])).filter((e): e is [string, number] => isCount(e[1]))
  return { ...(counts as Record<DegradationCount, number>), attachments_skipped: Object.fromEntries(reasons) }
}

/** A stored degradation object read back: only the counts it holds (anything else is left out). */
export const fromStored = (u: unknown): Degradation => {
  const o = record(u)
  const counts = DEGRADATION_COUNTS.flatMap((k) => (isCount(o[k]) ? [[k, o[k]] as const] : []))
  const skipped = o["attachments_skipped"] === undefined ? [] : [["attachments_skipped", full(o).attachments_skipped] as const]
  return Object.fromEntries([...counts, ...skipped]) as Degradation
}

const delta = (current: number, previous: number | undefined) =>
  previous === undefined || current < previous ? current : current - previous

/**
 * What `current` adds to the totals, given the previous object of the same instance (undefined when the
 * instance is new or sent none before). Only what `current` reports moves.
 */
export const deltas = (previous: Degradation | undefined, current: Degradation): FullDegradation => {
  const counts = Object.fromEntries(DEGRADATION_COUNTS.map((k) => {
    const n = current[k]
    return [k, n === undefined ? 0 : delta(n, previous?.[k])]
  }))
  const reasons = Object.entries(current.attachments_skipped ?? {}).map(([r, n]) => [r, delta(n, previous?.attachments_skipped?.[r])])
  return { ...(counts as Record<DegradationCount, number>), attachments_skipped: Object.fromEntries(reasons) }
}

const add = (a: number, b: number) => Math.min(MAX_SUM, a + b)

/** `totals` (a stored object, or null before the first) plus `d`. */
export const addTotals = (totals: unknown, d: FullDegradation): FullDegradation => {
  const base = full(totals)
  const counts = Object.fromEntries(DEGRADATION_COUNTS.map((k) => [k, add(base[k], d[k])]))
  const reasons: Record<string, number> = { ...base.attachments_skipped }
  for (const [reason, n] of Object.entries(d.attachments_skipped)) {
    if (n === 0 && !(reason in reasons)) continue
    const key = reason in reasons || Object.keys(reasons).length < MAX_TOTAL_REASONS - 1 ? reason : "other"
    reasons[key] = add(reasons[key] ?? 0, n)
  }
  return { ...(counts as Record<DegradationCount, number>), attachments_skipped: reasons }
}

/** The sum of every count but the seconds waited (the dashboard card's one number). */
export const totalCount = (d: FullDegradation) =>
  Math.min(
    MAX_SUM,
    DEGRADATION_COUNTS.filter((k) => k !== "rate_limit_wait_s").reduce((n, k) => n + d[k], 0) +
      Object.values(d.attachments_skipped).reduce((n, v) => n + v, 0)
  )
