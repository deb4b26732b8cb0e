import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { RoutableMessage, RuleSpec } from "../../src/domain/RoutingRules.js"
import * as Rules from "../../src/routing/Rules.js"

const CHANNELS = ["telegram", "email", "sandbox"] as const
const PROVIDERS = ["telegram", "gmail", "sandbox"] as const
const ENDPOINTS = ["bot-1", "inbox-1"] as const
const SENDERS = ["alice", "bob"] as const
const PATTERNS = ["urgent", "^hello", "URGENT", "inv(oice|oices)", "[", "\\d{3}"] as const
const TEXTS = ["urgent: call me", "hello there", "Invoice 123", "nothing", "URGENT hello 42"] as const
const TARGETS = ["general", "ops", "billing", "archive", "ghost"] as const

// Half of the matchers are "any", so that rules match often enough to exercise ordering and stop.
const orNull = <A>(arb: fc.Arbitrary<A>) => fc.option(arb, { nil: null, freq: 1 })

const ruleArb = fc.record({
  priority: fc.integer({ min: 0, max: 3 }),
  channel: orNull(fc.constantFrom(...CHANNELS)),
  provider: orNull(fc.constantFrom(...PROVIDERS)),
  endpoint_identity: orNull(fc.constantFrom(...ENDPOINTS)),
  sender_identity: orNull(fc.constantFrom(...SENDERS)),
  text_pattern: orNull(fc.constantFrom(...PATTERNS)),
  ignore_case: fc.boolean(),
  stop: fc.boolean(),
  target: fc.constantFrom(...TARGETS)
})

const rulesArb = fc.array(ruleArb, { maxLength: 12 }).chain((rules) =>
  fc.shuffledSubarray(Array.from({ length: 200 }, (_, i) => i + 1), { minLength: rules.length, maxLength: rules.length })
    .map((ids) => rules.map((r, i): RuleSpec => ({ ...r, id: String(ids[i]) })))
)

const messageArb = fc.record({
  source_channel: fc.constantFrom(...CHANNELS),
  source_provider: fc.constantFrom(...PROVIDERS),
  source_endpoint_identity: fc.constantFrom(...ENDPOINTS),
  sender_identity: fc.constantFrom(...SENDERS),
  normalized_text: fc.constantFrom(...TEXTS)
})

const liveArb = fc.subarray([...TARGETS])

/** The reference model: the documented semantics, written without the production code's structure. */
const reference = (rules: ReadonlyArray<RuleSpec>, live: ReadonlyArray<string>, m: RoutableMessage) => {
  const usable = rules.filter((r) => {
    if (!live.includes(r.target)) return false
    if (r.text_pattern === null) return true
    try {
      RegExp(r.text_pattern)
      return true
    } catch {
      return false
    }
  })
  const ordered = [...usable].sort((a, b) =>
    a.priority !== b.priority ? a.priority - b.priority : Number(BigInt(a.id) - BigInt(b.id))
  )
  const hit = (r: RuleSpec) =>
    [
      [r.channel, m.source_channel],
      [r.provider, m.source_provider],
      [r.endpoint_identity, m.source_endpoint_identity],
      [r.sender_identity, m.sender_identity]
    ].every(([want, got]) => want === null || want === got) &&
    (r.text_pattern === null || m.normalized_text.search(new RegExp(r.text_pattern, r.ignore_case ? "i" : "")) >= 0)
  const matching = ordered.filter(hit)
  const firstStop = matching.findIndex((r) => r.stop)
  const taken = firstStop < 0 ? matching : matching.slice(0, firstStop + 1)
  const targets = [...new Set(taken.map((r) => r.target))]
  return targets.length === 0 && live.includes(Rules.GENERAL_TARGET) ? [Rules.GENERAL_TARGET] : targets
}

const rule = (id: number, target: string, extra: Partial<RuleSpec> = {}): RuleSpec => ({
  id: String(id),
  priority: 100,
  channel: null,
  provider: null,
  endpoint_identity: null,
  sender_identity: null,
  text_pattern: null,
  ignore_case: false,
  stop: false,
  target,
  ...extra
})

const msg: RoutableMessage = {
  source_channel: "telegram",
  source_provider: "telegram",
  source_endpoint_identity: "bot-1",
  sender_identity: "alice",
  normalized_text: "URGENT: invoice 123"
}

describe("rule evaluation", () => {
  it.prop("agrees with the reference model for any rules, live targets and message", {
    rules: rulesArb,
    live: liveArb,
    message: messageArb
  }, ({ live, message, rules }) => {
    const { table } = Rules.compile(rules, live)
    assert.deepStrictEqual(Rules.evaluate(table, message), reference(rules, live, message))
    // Evaluating twice gives the same answer (patterns keep no lastIndex state).
    assert.deepStrictEqual(Rules.evaluate(table, message), reference(rules, live, message))
  }, { fastCheck: { numRuns: 1000 } })

  it("fans out to every matching rule's target once, in priority order", () => {
    const { table } = Rules.compile(
      [
        rule(3, "archive"),
        rule(1, "ops", { priority: 200, text_pattern: "urgent", ignore_case: true }),
        rule(2, "billing", { priority: 10, text_pattern: "invoice" }),
        rule(4, "billing", { channel: "telegram" })
      ],
      ["ops", "billing", "archive", "general"]
    )
    assert.deepStrictEqual(Rules.evaluate(table, msg), ["billing", "archive", "ops"])
  })

  it("stops after a matching rule marked stop, and ties on priority go by id", () => {
    const { table } = Rules.compile(
      [rule(9, "ops", { priority: 5 }), rule(7, "billing", { priority: 5, stop: true }), rule(1, "archive")],
      ["ops", "billing", "archive"]
    )
    assert.deepStrictEqual(Rules.evaluate(table, msg), ["billing"])
  })

  it("sends to general only when no rule matched, and to nobody without a general target", () => {
    const rules = [rule(1, "ops", { sender_identity: "bob" })]
    assert.deepStrictEqual(Rules.evaluate(Rules.compile(rules, ["ops", "general"]).table, msg), ["general"])
    assert.deepStrictEqual(Rules.evaluate(Rules.compile(rules, ["ops"]).table, msg), [])
    const bob = { ...msg, sender_identity: "bob" }
    assert.deepStrictEqual(Rules.evaluate(Rules.compile(rules, ["ops", "general"]).table, bob), ["ops"])
  })

  it("skips, and reports, rules with a broken pattern or a missing target", () => {
    const { skipped, table } = Rules.compile([rule(1, "ops", { text_pattern: "(" }), rule(2, "gone")], ["ops"])
    assert.deepStrictEqual(skipped.map((s) => s.id), ["1", "2"])
    assert.strictEqual(table.rules.length, 0)
  })
})
