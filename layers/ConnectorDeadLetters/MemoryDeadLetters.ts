/** Dead letters kept in memory (tests). */
import { Effect, Layer, Ref } from "effect"
import { ConnectorDeadLetters, type DeadLetter } from "../../services/ConnectorDeadLetters.js"

export const make = Effect.map(Ref.make<ReadonlyArray<DeadLetter>>([]), (ref) =>
  ConnectorDeadLetters.of({
    location: "memory",
    write: (letter) => Ref.update(ref, (all) => [...all, letter]),
    list: Ref.get(ref)
  }))

export const layer = Layer.effect(ConnectorDeadLetters, make)
