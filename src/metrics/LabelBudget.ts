/**
 * Bounds the values of a metric label that comes from client input (connector_type): every known value
 * keeps its own label, the first `maxOthers` unknown values too, and every further one is folded into
 * `"other"` (pure; the state lives in a Ref of the caller). So /metrics stays small however many types
 * clients invent.
 */
import { HashSet } from "effect"
import { Channel } from "../domain/Envelope.js"
import * as Registry from "../connectors/Registry.js"

export const OTHER = "other"

/** Unknown connector types that still get a label of their own (first come, first served, per process). */
export const MAX_OTHER_CONNECTOR_TYPES = 32

/** Folded values remembered for logging once each; beyond this, folds are only counted. */
export const MAX_REMEMBERED_FOLDS = 10_000

/** Connector types the hub knows: every channel and every connector it can run. */
export const knownConnectorTypes: ReadonlySet<string> = new Set([...Channel.literals, ...Registry.types])

export interface LabelBudget {
  readonly known: ReadonlySet<string>
  readonly maxOthers: number
  /** unknown values admitted with their own label */
  readonly others: ReadonlySet<string>
  /** values folded into OTHER so far (at most MAX_REMEMBERED_FOLDS of them) */
  readonly folded: HashSet.HashSet<string>
}

export const empty = (known: ReadonlySet<string> = knownConnectorTypes, maxOthers = MAX_OTHER_CONNECTOR_TYPES): LabelBudget => ({
  known,
  maxOthers,
  others: new Set(),
  folded: HashSet.empty()
})

/** What labelling one value did: its label, and whether it was folded (`firstFold`: for the first time, as far as remembered). */
export interface Admission {
  readonly label: string
  readonly folded: boolean
  readonly firstFold: boolean
}

export const admit = (budget: LabelBudget, value: string): readonly [Admission, LabelBudget] => {
  if (budget.known.has(value) || budget.others.has(value)) return [{ label: value, folded: false, firstFold: false }, budget]
  if (budget.others.size < budget.maxOthers) {
    return [{ label: value, folded: false, firstFold: false }, { ...budget, others: new Set([...budget.others, value]) }]
  }
  if (HashSet.has(budget.folded, value)) return [{ label: OTHER, folded: true, firstFold: false }, budget]
  const remember = HashSet.size(budget.folded) < MAX_REMEMBERED_FOLDS
  return [
    { label: OTHER, folded: true, firstFold: remember },
    remember ? { ...budget, folded: HashSet.add(budget.folded, value) } : budget
  ]
}
