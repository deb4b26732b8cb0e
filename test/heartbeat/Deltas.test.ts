import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { HeartbeatCounters } from "../../src/domain/Heartbeat.js"
import { computeDeltas, counterNames, type PreviousHeartbeat } from "../../src/heartbeat/Deltas.js"

const increments = fc.record({
  messages_ingested: fc.nat(50),
  messages_failed: fc.nat(5),
  source_api_calls: fc.nat(20),
  checkpoint_saves: fc.nat(3),
  dedupe_accepted: fc.nat(4)
})

/** Instances one after the other (each a restart), each a list of per-heartbeat increments. */
const lifetimes = fc.array(fc.array(increments, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 8 })

const zero: HeartbeatCounters = {
  messages_ingested: 0,
  messages_failed: 0,
  source_api_calls: 0,
  checkpoint_saves: 0,
  dedupe_accepted: 0
}
const add = (a: HeartbeatCounters, b: HeartbeatCounters): HeartbeatCounters => ({
  messages_ingested: a.messages_ingested + b.messages_ingested,
  messages_failed: a.messages_failed + b.messages_failed,
  source_api_calls: a.source_api_calls + b.source_api_calls,
  checkpoint_saves: a.checkpoint_saves + b.checkpoint_saves,
  dedupe_accepted: a.dedupe_accepted + b.dedupe_accepted
})

describe("counter deltas", () => {
  it.prop("for monotonic snapshots with restarts, the summed deltas equal the work done", [lifetimes], ([instances]) => {
    let previous: PreviousHeartbeat | undefined
    let summed = zero
    let work = zero
    instances.forEach((steps, n) => {
      const instance = `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`
      let counters = zero
      steps.forEach((step, i) => {
        counters = add(counters, step)
        work = add(work, step)
        const d = computeDeltas(previous, instance, counters)
        assert.strictEqual(d.kind, i > 0 ? "continued" : n === 0 ? "first" : "restart")
        summed = add(summed, d.deltas)
        previous = { instance_id: instance, counters }
      })
    })
    assert.deepStrictEqual(summed, work)
  })

  it.prop(
    "a delta is never negative, whatever the snapshots",
    [fc.array(fc.tuple(fc.boolean(), increments), { minLength: 1, maxLength: 40 })],
    ([snapshots]) => {
      let previous: PreviousHeartbeat | undefined
      snapshots.forEach(([sameInstance, counters], i) => {
        const instance = sameInstance || previous === undefined ? "a" : `b-${i}`
        const d = computeDeltas(previous, instance, counters)
        for (const name of counterNames) assert.isAtLeast(d.deltas[name], 0)
        previous = { instance_id: instance, counters }
      })
    }
  )

  it("a counter that went down within one instance is a reset that contributes its new value", () => {
    const d = computeDeltas({ instance_id: "a", counters: { ...zero, messages_ingested: 10 } }, "a", {
      ...zero,
      messages_ingested: 4
    })
    assert.strictEqual(d.kind, "reset")
    assert.strictEqual(d.deltas.messages_ingested, 4)
  })
})
