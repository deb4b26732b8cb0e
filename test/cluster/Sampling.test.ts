/** The verdict over /ready samples that Cluster.test.ts relies on: doubles, none inside and outside handovers, settling. */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Option } from "effect"
import * as Sampling from "./support/Sampling.js"

const sample = (at: number, placement: Record<string, ReadonlyArray<string> | undefined>): Sampling.Sample => ({
  at,
  answers: Object.entries(placement).map(([hub, singletons]) => ({ hub, singletons, shards: singletons?.length }))
})

describe("judging samples of where singletons run", () => {
  it("a singleton on two runners in one sample is a double, wherever it happens", () => {
    const samples = [sample(1000, { a: ["x"], b: [] }), sample(1200, { a: ["x"], b: ["x"] })]
    const windows: Array<Sampling.Window> = [{ kind: "kill", from: 1100, to: 1300 }]
    const verdict = Sampling.judge(samples, windows, ["x"], 0)
    assert.deepStrictEqual(verdict.doubles, [{ at: 1200, singleton: "x", hubs: ["a", "b"] }])
  })

  it("no runner is allowed inside a handover window (counted by kind) and flagged outside every window", () => {
    const samples = [
      sample(1000, { a: ["x"], b: [] }),
      sample(1200, { a: [], b: [] }),
      sample(1400, { a: [], b: ["x"] }),
      sample(2000, { a: [], b: [] })
    ]
    const windows: Array<Sampling.Window> = [{ kind: "term", from: 1100, to: 1400 }]
    const verdict = Sampling.judge(samples, windows, ["x"], 0)
    assert.deepStrictEqual(verdict.noneInWindow, { kill: 0, term: 1, join: 0 })
    assert.deepStrictEqual(verdict.noneOutside, [{ at: 2000, singleton: "x" }])
    assert.strictEqual(verdict.samples, 4)
  })

  it("samples before start-up settled are not judged; a silent runner makes a missing singleton unknown", () => {
    const samples = [sample(500, { a: [], b: [] }), sample(1000, { a: undefined, b: [] })]
    const verdict = Sampling.judge(samples, [], ["x"], 900)
    assert.deepStrictEqual([verdict.samples, verdict.noneOutside.length, verdict.unknown], [1, 0, 1])
  })

  it("settled means every runner answered, each singleton on one, and no move for the whole settle time", () => {
    const steady = (at: number) => sample(at, { a: ["x"], b: ["y"] })
    const settle = Duration.seconds(1)
    const moving = [steady(0), sample(500, { a: ["x", "y"], b: [] }), steady(1000), steady(1900)]
    assert.isTrue(Option.isNone(Sampling.settledSince(moving, ["x", "y"], 0, settle)))
    assert.deepStrictEqual(Sampling.settledSince([...moving, steady(2000)], ["x", "y"], 0, settle), Option.some(1000))
    const silent = [steady(0), steady(1000), sample(1500, { a: ["x"], b: undefined })]
    assert.isTrue(Option.isNone(Sampling.settledSince(silent, ["x", "y"], 0, settle)))
    assert.isTrue(Option.isNone(Sampling.settledSince([steady(0), steady(2000)], ["x", "y"], 1500, settle)))
  })
})
