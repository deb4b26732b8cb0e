/**
 * Rule evaluation, pure: which targets an accepted request goes to.
 * Rules run in (priority ascending, id ascending) order; every matching rule adds its target once
 * (fan-out); a matching rule with `stop` ends the evaluation. When no rule chose a target, the
 * catch-all target `general` gets the request if it exists.
 */
import { Either } from "effect"
import { RE2JS } from "re2js"
import type { RoutableMessage, RuleSpec } from "../domain/RoutingRules.js"

/** The name of the catch-all target. */
export const GENERAL_TARGET = "general"

interface CompiledRule {
  readonly spec: RuleSpec
  readonly pattern: TextPattern | null
}

/** Rules ready to evaluate, in evaluation order, with the set of live targets. */
export interface RoutingTable {
  readonly rules: ReadonlyArray<CompiledRule>
  readonly targets: ReadonlySet<string>
  /** Every pattern compiled for this table (or why it could not be), reused by the next reload. */
  readonly patterns: ReadonlyMap<string, Either.Either<TextPattern, string>>
}

/** A stored rule that could not be used, and why. */
export interface SkippedRule {
  readonly id: string
  /** What is wrong with it: its target is gone, or its pattern does not compile (any more). */
  readonly cause: "target" | "pattern"
  readonly reason: string
}

export const empty: RoutingTable = { rules: [], targets: new Set(), patterns: new Map() }

/** A compiled `--text-matches` pattern. */
export interface TextPattern {
  readonly test: (text: string) => boolean
}

/** Longest `--text-matches` pattern accepted. */
export const MAX_PATTERN_LENGTH = 1000

/**
 * Largest compiled program accepted (RE2's `programSize`, about one instruction per character, class or
 * repeated copy). Matching time grows with it: at this size a 64 KiB text takes at most tens of
 * milliseconds, while routing patterns such as `(?i)\b(invoice|receipt|refund)\b` stay under 100.
 */
export const MAX_PROGRAM_SIZE = 1000

/**
 * Compiles a `--text-matches` pattern with RE2 (the re2js port): matching takes time linear in the
 * text, so no pattern can backtrack catastrophically (`(a+)+$` included) and freeze the hub. RE2 syntax is
 * JavaScript's without backreferences and lookaround, which it refuses with a message naming the construct.
 */
export const compilePattern = (source: string, ignoreCase: boolean): Either.Either<TextPattern, string> => {
  if (source.length > MAX_PATTERN_LENGTH) {
    return Either.left(`--text-matches must be at most ${MAX_PATTERN_LENGTH} characters (got ${source.length})`)
  }
  let re: RE2JS
  try {
    re = RE2JS.compile(source, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0)
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e)
    return Either.left(`--text-matches is not a valid RE2 regular expression: ${detail}`)
  }
  const size = re.programSize()
  if (size > MAX_PROGRAM_SIZE) {
    return Either.left(
      `--text-matches is too complex: it compiles to ${size} RE2 instructions (at most ${MAX_PROGRAM_SIZE}); ` +
        "use smaller repetition counts ({n,m}) or fewer alternatives"
    )
  }
  // `test` runs on RE2's lazy DFA (no capture groups), the fast path.
  return Either.right({ test: (text) => re.test(text) })
}

const patternKey = (source: string, ignoreCase: boolean) => `${ignoreCase ? "i" : "-"}${source}`

/** Evaluation order: priority ascending, then id ascending (numeric ids compare as numbers). */
export const byEvaluationOrder = (a: RuleSpec, b: RuleSpec): number =>
  a.priority - b.priority || a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * A table from stored rules and live target names; rules whose target is gone or pattern is bad are skipped.
 * Patterns already compiled for `previous` are reused, so a reload compiles only new patterns.
 */
export const compile = (
  specs: ReadonlyArray<RuleSpec>,
  targets: Iterable<string>,
  previous: RoutingTable = empty
): { readonly table: RoutingTable; readonly skipped: ReadonlyArray<SkippedRule> } => {
  const live = new Set(targets)
  const skipped: Array<SkippedRule> = []
  const rules: Array<CompiledRule> = []
  const patterns = new Map<string, Either.Either<TextPattern, string>>()
  for (const spec of [...specs].sort(byEvaluationOrder)) {
    if (!live.has(spec.target)) {
      skipped.push({ id: spec.id, cause: "target", reason: `target "${spec.target}" does not exist` })
      continue
    }
    if (spec.text_pattern === null) {
      rules.push({ spec, pattern: null })
      continue
    }
    const key = patternKey(spec.text_pattern, spec.ignore_case)
    const pattern = patterns.get(key) ?? previous.patterns.get(key) ?? compilePattern(spec.text_pattern, spec.ignore_case)
    patterns.set(key, pattern)
    if (Either.isLeft(pattern)) skipped.push({ id: spec.id, cause: "pattern", reason: pattern.left })
    else rules.push({ spec, pattern: pattern.right })
  }
  return { table: { rules, targets: live, patterns }, skipped }
}

const matches = (rule: CompiledRule, m: RoutableMessage): boolean => {
  const s = rule.spec
  return (s.channel === null || s.channel === m.source_channel) &&
    (s.provider === null || s.provider === m.source_provider) &&
    (s.endpoint_identity === null || s.endpoint_identity === m.source_endpoint_identity) &&
    (s.sender_identity === null || s.sender_identity === m.sender_identity) &&
    (rule.pattern === null || rule.pattern.test(m.normalized_text))
}

/** The targets for a message, in the order they were chosen (empty: nothing matched and no `general`). */
export const evaluate = (table: RoutingTable, message: RoutableMessage): ReadonlyArray<string> => {
  const chosen: Array<string> = []
  for (const rule of table.rules) {
    if (!matches(rule, message)) continue
    if (!chosen.includes(rule.spec.target)) chosen.push(rule.spec.target)
    if (rule.spec.stop) break
  }
  if (chosen.length === 0 && table.targets.has(GENERAL_TARGET)) chosen.push(GENERAL_TARGET)
  return chosen
}

/** One stored rule's part in a decision: matched, did not match, not reached (after a matching `stop`), or skipped. */
export interface RuleVerdict {
  readonly id: string
  readonly target: string
  readonly result: "matched" | "no_match" | "not_reached" | "skipped"
}

/**
 * The decision for a message, rule by rule, over the stored rules as `compile` sees them (the console's
 * "which targets would this go to"): `targets` is exactly what `evaluate` answers for the same table.
 */
export const explain = (
  specs: ReadonlyArray<RuleSpec>,
  liveTargets: Iterable<string>,
  message: RoutableMessage
): { readonly targets: ReadonlyArray<string>; readonly rules: ReadonlyArray<RuleVerdict> } => {
  const { skipped, table } = compile(specs, liveTargets)
  const skippedIds = new Set(skipped.map((s) => s.id))
  const compiled = new Map(table.rules.map((r) => [r.spec.id, r]))
  let stopped = false
  const rules = [...specs].sort(byEvaluationOrder).map((spec): RuleVerdict => {
    const rule = compiled.get(spec.id)
    if (skippedIds.has(spec.id) || rule === undefined) return { id: spec.id, target: spec.target, result: "skipped" }
    if (stopped) return { id: spec.id, target: spec.target, result: "not_reached" }
    const hit = matches(rule, message)
    if (hit && spec.stop) stopped = true
    return { id: spec.id, target: spec.target, result: hit ? "matched" : "no_match" }
  })
  return { targets: evaluate(table, message), rules }
}
