/**
 * A clock frozen at a settable instant whose sleeps are real: a hub on a real socket then answers
 * as if it were that instant (no test depends on today's date) while timeouts still work.
 */
import { Clock, Effect, Layer } from "effect"

export interface FrozenClock {
  readonly clock: Clock.Clock
  /** the clock as a layer: everything built under it reads this time */
  readonly layer: Layer.Layer<never>
  /** moves the frozen instant */
  readonly set: (ms: number) => void
}

export const make = (initialMs: number): FrozenClock => {
  let now = initialMs
  const real = Clock.make()
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    currentTimeMillis: Effect.sync(() => now),
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: (duration) => real.sleep(duration)
  }
  return { clock, layer: Layer.setClock(clock), set: (ms) => (now = ms) }
}
