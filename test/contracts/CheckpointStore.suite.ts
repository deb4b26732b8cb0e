/** The CheckpointStore contract, run against every implementation (test/connectors/CheckpointStore.test.ts). */
import { assert, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Option } from "effect"
import { CheckpointStore } from "../../services/CheckpointStore.js"
import type { Cursor } from "../../services/SourceConnector.js"

/** JSON-safe cursors (what a connector may persist). */
export const cursorArbitrary: fc.Arbitrary<Cursor> = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "__proto__"),
  fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.boolean(), fc.constant(null)),
  { maxKeys: 4 }
)

export const suite = (provide: <A, E>(effect: Effect.Effect<A, E, CheckpointStore>) => Effect.Effect<A, E>) => {
  it.effect("an empty store loads nothing (start from scratch)", () =>
    provide(Effect.gen(function*() {
      const store = yield* CheckpointStore
      assert.isTrue(Option.isNone(yield* store.load))
    })))

  it.effect("a saved cursor loads back exactly", () =>
    provide(Effect.gen(function*() {
      const store = yield* CheckpointStore
      const saved = yield* store.save({ last_update_id: 42 })
      assert.deepStrictEqual(saved.cursor, { last_update_id: 42 })
      const loaded = yield* store.load
      assert.deepStrictEqual(Option.map(loaded, (c) => c.cursor), Option.some({ last_update_id: 42 }))
    })))

  it.effect("the store keeps its own copy: changing the saved object later changes nothing", () =>
    provide(Effect.gen(function*() {
      const store = yield* CheckpointStore
      const cursor: Record<string, unknown> = { history_id: "100" }
      yield* store.save(cursor)
      cursor["history_id"] = "999"
      const loaded = yield* store.load
      assert.deepStrictEqual(Option.map(loaded, (c) => c.cursor), Option.some({ history_id: "100" }))
    })))

  it.effect.prop(
    "after any sequence of saves the store holds the last one",
    [fc.array(cursorArbitrary, { minLength: 1, maxLength: 6 })],
    ([cursors]) =>
      provide(Effect.gen(function*() {
        const store = yield* CheckpointStore
        for (const cursor of cursors) yield* store.save(cursor)
        const loaded = yield* store.load
        assert.deepStrictEqual(Option.map(loaded, (c) => c.cursor), Option.some(cursors[cursors.length - 1]))
      })),
    { fastCheck: { numRuns: 25 } }
  )
}
