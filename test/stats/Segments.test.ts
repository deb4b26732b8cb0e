import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { segments } from "../../layers/Stats/Series.js"
import { DAY_MS, HOUR_MS } from "../../src/stats/Buckets.js"

const hour = fc.integer({ min: 0, max: 24 * 60 }).map((h) => Date.UTC(2026, 0, 1) + h * HOUR_MS)

describe("statistics sources over a window", () => {
  it.prop(
    "segments cover [from, to) exactly, in order, each from a source that is complete there",
    [hour, fc.integer({ min: 1, max: 24 * 40 }), fc.option(hour), fc.option(hour), fc.option(hour), fc.boolean(), fc.boolean()],
    ([from0, hours, hourlyEnd, dayEnd, liveHour, byDay, totalsOnly]) => {
      const granularity = byDay ? "day" : "hour"
      const from = byDay ? Math.floor(from0 / DAY_MS) * DAY_MS : from0
      const to = from + hours * HOUR_MS
      const ends = { hourly: hourlyEnd, daily: dayEnd === null ? null : Math.floor(dayEnd / DAY_MS) * DAY_MS, liveHour }
      const parts = segments(granularity, from, to, ends, totalsOnly)
      let cursor = from
      for (const p of parts) {
        assert.strictEqual(p.from, cursor)
        assert.isBelow(p.from, p.to)
        cursor = p.to
        if (p.source === "daily") {
          assert.strictEqual(p.from % DAY_MS, 0)
          assert.isAtMost(p.to, ends.daily ?? -1)
          assert.isTrue(byDay || totalsOnly)
        }
        if (p.source === "hourly") assert.isAtMost(p.to, ends.hourly ?? -1)
        if (p.source === "live") {
          assert.isAtLeast(p.from, liveHour ?? Infinity)
          assert.isAtMost(p.to, (liveHour ?? -Infinity) + HOUR_MS)
        }
        if (p.source === "log" && ends.hourly !== null) assert.isAtLeast(p.from, Math.min(ends.hourly, to))
      }
      assert.strictEqual(cursor, to)
    }
  )
})
