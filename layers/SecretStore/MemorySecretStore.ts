/** SecretStore in memory, for tests: the same contract as PgSecretStore, values kept Redacted, nothing encrypted. */
import { Effect, Layer, Option, type Redacted, Ref } from "effect"
import { SecretStore } from "../../services/SecretStore.js"

const keyOf = (owner: string, name: string) => `${owner}\u0000${name}`

export const make = Effect.gen(function*() {
  const secrets = yield* Ref.make(new Map<string, { readonly owner: string; readonly value: Redacted.Redacted<string> }>())
  return SecretStore.of({
    put: (owner, name, value) => Ref.update(secrets, (m) => new Map(m).set(keyOf(owner, name), { owner, value })),
    get: (owner, name) =>
      Effect.map(Ref.get(secrets), (m) => Option.map(Option.fromNullable(m.get(keyOf(owner, name))), (s) => s.value)),
    remove: (owner) =>
      Ref.modify(secrets, (m) => {
        const kept = new Map([...m].filter(([, s]) => s.owner !== owner))
        return [m.size - kept.size, kept]
      })
  })
})

export const layer = Layer.effect(SecretStore, make)
