/** The BlobStore contract, run against every implementation (test/telegram/BlobStore.test.ts). */
import { assert, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { createHash } from "node:crypto"
import { BlobStore } from "../../services/BlobStore.js"

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

export const suite = (scheme: string, provide: <A, E>(effect: Effect.Effect<A, E, BlobStore>) => Effect.Effect<A, E>) => {
  it.effect("stores bytes under their SHA-256 and reads them back", () =>
    provide(Effect.gen(function*() {
      const store = yield* BlobStore
      const bytes = new TextEncoder().encode("hello blob")
      const stored = yield* store.put(bytes)
      assert.strictEqual(stored.sha256, sha(bytes))
      assert.strictEqual(stored.storageRef, `${scheme}://sha256/${sha(bytes)}`)
      assert.strictEqual(stored.sizeBytes, bytes.length)
      assert.deepStrictEqual(yield* store.get(stored.storageRef), bytes)
      assert.isTrue(yield* store.has(stored.storageRef))
    })))

  it.effect("storing the same bytes twice gives one blob with the same reference", () =>
    provide(Effect.gen(function*() {
      const store = yield* BlobStore
      const bytes = new Uint8Array([1, 2, 3])
      const [a, b] = yield* Effect.all([store.put(bytes), store.put(bytes)], { concurrency: 2 })
      assert.strictEqual(a.storageRef, b.storageRef)
      assert.deepStrictEqual(yield* store.get(a.storageRef), bytes)
    })))

  it.effect("an unknown hash is BlobNotFound", () =>
    provide(Effect.gen(function*() {
      const store = yield* BlobStore
      const ref = `${scheme}://sha256/${"0".repeat(64)}`
      assert.isFalse(yield* store.has(ref))
      const error = yield* Effect.flip(store.get(ref))
      assert.strictEqual(error._tag, "BlobNotFound")
    })))

  it.effect("a reference that is not exactly <scheme>://sha256/<64 hex> is rejected (no path can be named)", () =>
    provide(Effect.gen(function*() {
      const store = yield* BlobStore
      const hex = "a".repeat(64)
      for (
        const ref of [
          `${scheme}://sha256/../../../etc/passwd`,
          `${scheme}://sha256/${hex}/../../x`,
          `${scheme}://sha256/${hex.toUpperCase()}`,
          `${scheme}://sha256/${hex.slice(1)}`,
          `other://sha256/${hex}`,
          `/etc/passwd`,
          `${scheme}://sha256/%2e%2e%2f${hex.slice(9)}`
        ]
      ) {
        const error = yield* Effect.flip(store.get(ref))
        assert.strictEqual(error._tag, "BlobRefInvalid", ref)
        assert.strictEqual((yield* Effect.flip(store.has(ref)))._tag, "BlobRefInvalid", ref)
      }
    })))

  it.effect.prop("any bytes round-trip", [fc.uint8Array({ maxLength: 4096 })], ([bytes]) =>
    provide(Effect.gen(function*() {
      const store = yield* BlobStore
      const stored = yield* store.put(bytes)
      assert.strictEqual(stored.sha256, sha(bytes))
      assert.deepStrictEqual(yield* store.get(stored.storageRef), bytes)
    })), { fastCheck: { numRuns: 50 } })
}
