/** PushReceivers in the hub's memory (receivers are functions of connectors running in this process). */
import { Effect, Layer, Option, Ref } from "effect"
import { type PushReceiver, PushReceivers } from "../../services/PushReceivers.js"

const keyOf = (connectorType: string, endpointIdentity: string) => `${connectorType}\u0000${endpointIdentity}`

export const make = Effect.gen(function*() {
  const receivers = yield* Ref.make(new Map<string, PushReceiver>())
  return PushReceivers.of({
    register: (connectorType, endpointIdentity, receive) => {
      const key = keyOf(connectorType, endpointIdentity)
      return Effect.acquireRelease(
        Ref.update(receivers, (m) => new Map(m).set(key, receive)),
        () =>
          Ref.update(receivers, (m) => {
            if (m.get(key) !== receive) return m
            const next = new Map(m)
            next.delete(key)
            return next
          })
      )
    },
    lookup: (connectorType, endpointIdentity) =>
      Effect.map(Ref.get(receivers), (m) => Option.fromNullable(m.get(keyOf(connectorType, endpointIdentity))))
  })
})

export const layer = Layer.effect(PushReceivers, make)
