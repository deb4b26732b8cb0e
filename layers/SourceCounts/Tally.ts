/**
 * The in-memory side of SourceCounts: tallies per (hour, source) waiting to be written, and the budget
 * that bounds how many distinct sources one hour may hold. Plain synchronous code (callers wrap it in
 * Effect.sync): the ingest path pays a Map lookup and an increment.
 *
 * Budget: a source is admitted once per UTC hour. Sources first seen in a rejection (anyone with an ingest
 * token can invent endpoint identities that are then refused) share `maxRejectedSources`; sources first
 * seen accepted or duplicate (authorized and stored, so already paid for by an inbox row) share the larger
 * `maxStoredSources`, so a flood of invented rejected sources never pushes a real connector's counts into
 * the overflow. Per hour rather than per flush, so the table also gains at most that many rows an hour.
 * Outcomes of sources beyond a budget are counted under OVERFLOW, and the folds are reported by reason.
 */
import { OVERFLOW, type Outcome, type SourceKey, UNPARSED } from "../../services/SourceCounts.js"

export interface Entry {
  readonly hour: number
  readonly source: SourceKey
  accepted: number
  duplicate: number
  rejected: number
}

export interface Budget {
  /** Distinct sources per hour first seen in a rejection. */
  readonly maxRejectedSources: number
  /** Distinct sources per hour first seen accepted or duplicate. */
  readonly maxStoredSources: number
  /** Most entries kept unwritten (a database outage keeps them for the next try); beyond, they fold. */
  readonly maxPending: number
}

/** Why outcomes were folded into OVERFLOW (the metric's `reason` label). */
export type FoldReason = "rejected_sources" | "stored_sources" | "backlog"

export type Folds = Record<FoldReason, number>

const noFolds = (): Folds => ({ rejected_sources: 0, stored_sources: 0, backlog: 0 })

const sourceId = (s: SourceKey) => `${s.channel}\u0000${s.provider}\u0000${s.endpoint_identity}`
const entryId = (hour: number, s: SourceKey) => `${hour}\u0000${sourceId(s)}`
const fixed = new Set([sourceId(UNPARSED), sourceId(OVERFLOW)])

export interface Tally {
  /** Counts `n` outcomes of a source in the hour starting at `hour`. */
  readonly add: (hour: number, source: SourceKey, outcome: Outcome, n?: number) => void
  /** Takes every entry and fold count, leaving both empty (the hour's admitted sources stay admitted). */
  readonly take: () => { readonly entries: ReadonlyArray<Entry>; readonly folds: Folds }
  /** Puts entries whose write failed back; beyond `maxPending` they fold into their hour's OVERFLOW. */
  readonly restore: (entries: ReadonlyArray<Entry>) => void
  /** The entries not written yet (read-only view, for answers that include them). */
  readonly pending: () => Iterable<Entry>
}

export const make = (budget: Budget): Tally => {
  let pending = new Map<string, Entry>()
  let folds = noFolds()
  let budgetHour = Number.NEGATIVE_INFINITY
  let admitted = new Set<string>()
  let rejectedSources = 0
  let storedSources = 0

  const bump = (id: string, hour: number, source: SourceKey, counts: Omit<Entry, "hour" | "source">) => {
    const entry = pending.get(id)
    if (entry === undefined) {
      pending.set(id, { hour, source, ...counts })
      return
    }
    entry.accepted += counts.accepted
    entry.duplicate += counts.duplicate
    entry.rejected += counts.rejected
  }
  const bumpOverflow = (hour: number, counts: Omit<Entry, "hour" | "source">) =>
    bump(entryId(hour, OVERFLOW), hour, OVERFLOW, counts)

  /** Whether the source may have its own entry this hour (admitting it if the budget allows). */
  const admit = (hour: number, id: string, outcome: Outcome): boolean => {
    // A new hour starts a new budget; an outcome stamped with an older hour (clock stepped back) uses the current one.
    if (hour > budgetHour) {
      budgetHour = hour
      admitted = new Set()
      rejectedSources = 0
      storedSources = 0
    }
    if (fixed.has(id) || admitted.has(id)) return true
    if (outcome === "rejected" ? rejectedSources >= budget.maxRejectedSources : storedSources >= budget.maxStoredSources) {
      return false
    }
    admitted.add(id)
    if (outcome === "rejected") rejectedSources++
    else storedSources++
    return true
  }

  const add = (hour: number, source: SourceKey, outcome: Outcome, n = 1) => {
    const counts = { accepted: 0, duplicate: 0, rejected: 0, [outcome]: n }
    const sid = sourceId(source)
    const eid = `${hour}\u0000${sid}`
    if (admit(hour, sid, outcome) && (pending.has(eid) || pending.size < budget.maxPending)) {
      bump(eid, hour, source, counts)
      return
    }
    const reason: FoldReason = admitted.has(sid) || fixed.has(sid)
      ? "backlog"
      : outcome === "rejected" ? "rejected_sources" : "stored_sources"
    folds[reason] += n
    bumpOverflow(hour, counts)
  }

  const take = () => {
    const taken = { entries: [...pending.values()], folds }
    pending = new Map()
    folds = noFolds()
    return taken
  }

  const restore = (entries: ReadonlyArray<Entry>) => {
    for (const e of entries) {
      const counts = { accepted: e.accepted, duplicate: e.duplicate, rejected: e.rejected }
      const eid = entryId(e.hour, e.source)
      if (pending.has(eid) || pending.size < budget.maxPending) bump(eid, e.hour, e.source, counts)
      else {
        folds.backlog += e.accepted + e.duplicate + e.rejected
        bumpOverflow(e.hour, counts)
      }
    }
  }

  return { add, take, restore, pending: () => pending.values() }
}
