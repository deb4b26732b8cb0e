/** The SecretStore contract, run against every implementation (test/secrets/SecretStore.test.ts). */
import { assert, type Vitest } from "@effect/vitest"
import { Effect, FastCheck as fc, Option, Redacted } from "effect"
import { SecretStore } from "../../services/SecretStore.js"

let counter = 0
/** An owner no other test uses (the Postgres store is shared by a whole file). */
export const freshOwner = (what = "suite") => `gmail:user:${what}-${Date.now().toString(36)}-${counter++}@example.com`

const reveal = (o: Option.Option<Redacted.Redacted<string>>) => Option.map(o, Redacted.value)

/** `it` of the enclosing suite (a `layer(...)` one when the store needs a database). */
export const suite = <R, X extends boolean>(
  it: Vitest.MethodsNonLive<R, X>,
  provide: <A, E>(effect: Effect.Effect<A, E, SecretStore>) => Effect.Effect<A, E, R>
) => {
  it.effect("a secret that was never stored is None", () =>
    provide(Effect.gen(function*() {
      const store = yield* SecretStore
      assert.isTrue(Option.isNone(yield* store.get(freshOwner(), "refresh_token")))
    })))

  it.effect("put then get answers the value, Redacted", () =>
    provide(Effect.gen(function*() {
      const store = yield* SecretStore
      const owner = freshOwner()
      yield* store.put(owner, "refresh_token", Redacted.make("1//round-trip-value"))
      const got = yield* store.get(owner, "refresh_token")
      assert.deepStrictEqual(reveal(got), Option.some("1//round-trip-value"))
      assert.notInclude(String(got), "round-trip-value", "a printed secret shows <redacted>")
    })))

  it.effect("put replaces; names and owners are separate", () =>
    provide(Effect.gen(function*() {
      const store = yield* SecretStore
      const [a, b] = [freshOwner("a"), freshOwner("b")]
      yield* store.put(a, "refresh_token", Redacted.make("first"))
      yield* store.put(a, "refresh_token", Redacted.make("second"))
      yield* store.put(a, "client_secret", Redacted.make("other name"))
      yield* store.put(b, "refresh_token", Redacted.make("other owner"))
      assert.deepStrictEqual(reveal(yield* store.get(a, "refresh_token")), Option.some("second"))
      assert.deepStrictEqual(reveal(yield* store.get(a, "client_secret")), Option.some("other name"))
      assert.deepStrictEqual(reveal(yield* store.get(b, "refresh_token")), Option.some("other owner"))
    })))

  it.effect("remove drops every secret of one owner and counts them", () =>
    provide(Effect.gen(function*() {
      const store = yield* SecretStore
      const [a, b] = [freshOwner("a"), freshOwner("b")]
      yield* store.put(a, "refresh_token", Redacted.make("x"))
      yield* store.put(a, "client_secret", Redacted.make("y"))
      yield* store.put(b, "refresh_token", Redacted.make("z"))
      assert.strictEqual(yield* store.remove(a), 2)
      assert.strictEqual(yield* store.remove(a), 0)
      assert.isTrue(Option.isNone(yield* store.get(a, "refresh_token")))
      assert.deepStrictEqual(reveal(yield* store.get(b, "refresh_token")), Option.some("z"))
    })))

  it.effect.prop(
    "any text value round-trips exactly (unicode, long, empty)",
    [fc.string({ unit: "grapheme", maxLength: 300 })],
    ([value]) =>
      provide(Effect.gen(function*() {
        const store = yield* SecretStore
        const owner = freshOwner("prop")
        yield* store.put(owner, "value", Redacted.make(value))
        assert.deepStrictEqual(reveal(yield* store.get(owner, "value")), Option.some(value))
      })),
    { fastCheck: { numRuns: 25 } }
  )
}
