/**
 * Degradation deltas and totals (pure): the totals are the sum over instances of what each instance
 * counted, however often it reported; reasons stay bounded on both ends (the connector's 32, the hub's 64).
 */
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as Degradation from "../../src/connectors/runtime/Degradation.js"
import { MAX_DEGRADATION_REASONS, MAX_SUM } from "../../src/domain/Heartbeat.js"
import * as DegradationDeltas from "../../src/heartbeat/DegradationDeltas.js"

/** One instance's reports: monotonic counts of media_failures and of one reason. */
const instanceReports = fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { minLength: 1, maxLength: 6 }).map((steps) => {
  let media = 0
  let tooLarge = 0
  return steps.map(([a, b]) => {
    media += a
    tooLarge += b
    return { media_failures: media, attachments_skipped: { too_large: tooLarge } }
  })
})

describe("degradation deltas", () => {
  it.prop("totals equal the sum of every instance's last report, however many reports", [fc.array(instanceReports, { minLength: 1, maxLength: 4 })], ([instances]) => {
    let totals: unknown = null
    for (const reports of instances) {
      let previous: (typeof reports)[number] | undefined
      for (const report of reports) {
        totals = DegradationDeltas.addTotals(totals, DegradationDeltas.deltas(previous, report))
        previous = report
      }
    }
    const full = DegradationDeltas.full(totals)
    assert.strictEqual(full.media_failures, instances.reduce((n, r) => n + r.at(-1)!.media_failures, 0))
    assert.strictEqual(full.attachments_skipped["too_large"] ?? 0, instances.reduce((n, r) => n + r.at(-1)!.attachments_skipped.too_large, 0))
    assert.strictEqual(full.dead_lettered, 0)
  })

  it("a count that went down within one instance contributes its new value; an unreported count does not move", () => {
    const d = DegradationDeltas.deltas({ media_failures: 9, gap_fills: 2 }, { media_failures: 3 })
    assert.strictEqual(d.media_failures, 3)
    assert.strictEqual(d.gap_fills, 0)
    assert.strictEqual(DegradationDeltas.deltas({ dead_lettered: 2 }, { dead_lettered: 5 }).dead_lettered, 3)
  })

  it("totals saturate, keep at most 64 reasons (the rest as other), and read anything stored oddly as zero", () => {
    const near = DegradationDeltas.addTotals({ media_failures: MAX_SUM - 1 }, DegradationDeltas.deltas(undefined, { media_failures: 5 }))
    assert.strictEqual(near.media_failures, MAX_SUM)
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`r${i}`, 1]))
    const bounded = DegradationDeltas.addTotals(null, DegradationDeltas.deltas(undefined, { attachments_skipped: many }))
    assert.strictEqual(Object.keys(bounded.attachments_skipped).length, DegradationDeltas.MAX_TOTAL_REASONS)
    assert.strictEqual(bounded.attachments_skipped["other"], 100 - (DegradationDeltas.MAX_TOTAL_REASONS - 1))
    assert.strictEqual(DegradationDeltas.full({ media_failures: "7", gap_fills: -1, attachments_skipped: [3] }).media_failures, 0)
    assert.deepStrictEqual(DegradationDeltas.full("nonsense").attachments_skipped, {})
  })
})

describe("the heartbeat's degradation object", () => {
  it("sends every count, adds the connector's own, folds odd and surplus reasons into other", () => {
    const reasons = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`reason_${i}`, 1]))
    const sent = Degradation.toHeartbeat(
      { ...Degradation.zero, cursor_resets: 1, dead_lettered: 2 },
      { cursor_resets: 3, gap_fills: 1 },
      { ...reasons, "Not A Word": 2 }
    )
    assert.strictEqual(sent.cursor_resets, 4)
    assert.strictEqual(sent.gap_fills, 1)
    assert.strictEqual(sent.dead_lettered, 2)
    assert.strictEqual(sent.checkpoint_corrupt, 0)
    const skipped = sent.attachments_skipped ?? {}
    assert.strictEqual(Object.keys(skipped).length, MAX_DEGRADATION_REASONS)
    assert.strictEqual(Object.values(skipped).reduce((a, b) => a + b, 0), 42)
    assert.strictEqual(skipped["other"], 42 - (MAX_DEGRADATION_REASONS - 1))
  })
})
