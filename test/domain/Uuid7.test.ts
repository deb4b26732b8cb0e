import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck as fc, TestClock } from "effect"
import * as Uuid7 from "../../src/domain/Uuid7.js"
import * as RequestIds from "../../src/ingest/RequestIds.js"

describe("UUIDv7 request ids", () => {
  it.prop(
    "are valid v7 ids that strictly increase for any sequence of clock readings, even when the clock steps back",
    [fc.array(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), { minLength: 2, maxLength: 200 }), fc.array(fc.uint8Array({ minLength: 10, maxLength: 10 }), { minLength: 200, maxLength: 200 })],
    ([clock, randoms]) => {
      let state: Uuid7.Uuid7State | undefined
      let previous = ""
      clock.forEach((now, i) => {
        state = Uuid7.next(state, now, randoms[i]!)
        const id = Uuid7.format(state)
        assert.isTrue(Uuid7.isUuid7(id), id)
        assert.isTrue(id > previous, `${id} should sort after ${previous}`)
        previous = id
      })
    }
  )

  it("keeps increasing when one millisecond's counter space is exhausted", () => {
    const full: Uuid7.Uuid7State = { ms: 1_800_000_000_000, randA: 0xfff, randB: (1n << 62n) - 1n }
    const next = Uuid7.next(full, 1_800_000_000_000, new Uint8Array(10))
    assert.strictEqual(next.ms, 1_800_000_000_001)
    assert.isTrue(Uuid7.format(next) > Uuid7.format(full))
  })

  it.effect("embed the Clock's time and stay ordered within one millisecond", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-11-22T10:00:00Z"))
      const next = yield* RequestIds.make
      const ids = yield* Effect.replicateEffect(next, 1000)
      assert.deepStrictEqual([...ids].sort(), ids)
      assert.strictEqual(new Set(ids).size, 1000)
      assert.strictEqual(Uuid7.timestampOf(ids[0]!), Date.parse("2026-11-22T10:00:00Z"))
    }))
})
