/** A monotonic UUIDv7 source: time from Clock, randomness from Web Crypto, ordering kept in a Ref. */
import { Clock, Effect, Ref } from "effect"
import * as Uuid7 from "../domain/Uuid7.js"

export const make = Effect.map(
  Ref.make<Uuid7.Uuid7State | undefined>(undefined),
  (state) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Ref.modify(state, (prev) => {
        const next = Uuid7.next(prev, now, globalThis.crypto.getRandomValues(new Uint8Array(10)))
        return [Uuid7.format(next), next] as const
      }))
)
