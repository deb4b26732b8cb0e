/** The ResourceStore contract, run against every implementation (test/sdk/ResourceStore.test.ts). */
import { assert, type Vitest } from "@effect/vitest"
import { Effect, Exit, FastCheck as fc } from "effect"
import type { Resource } from "../../services/ConnectorResources.js"
import { ResourceStore, type StoreKey } from "../../services/ResourceStore.js"

let counter = 0
/** A connector name no other test uses (the Postgres store is shared by a whole file). */
export const freshKey = (tenant = "t1", type = "items"): StoreKey => ({
  connector: `c${Date.now().toString(36)}${counter++}`,
  tenant,
  type
})

/** Every resource of `key`, following pages of `limit`. */
const listAll = (key: StoreKey, limit: number, filter: Readonly<Record<string, string | number | boolean | null>> = {}) =>
  Effect.gen(function*() {
    const store = yield* ResourceStore
    const seen: Array<Resource> = []
    let after: string | undefined = undefined
    let pages = 0
    do {
      const page: { readonly items: ReadonlyArray<Resource>; readonly after?: string } = yield* store.list(key, {
        filter,
        limit,
        ...(after === undefined ? {} : { after })
      })
      seen.push(...page.items)
      after = page.after
      pages++
    } while (after !== undefined && pages < 1000)
    return seen
  })

export const suite = <R, X extends boolean>(
  it: Vitest.MethodsNonLive<R, X>,
  provide: <A, E>(effect: Effect.Effect<A, E, ResourceStore>) => Effect.Effect<A, E, R>
) => {
  it.effect("a resource never stored is undefined; a removal of it answers false", () =>
    provide(Effect.gen(function*() {
      const store = yield* ResourceStore
      const key = freshKey()
      assert.isUndefined(yield* store.get(key, "nope"))
      assert.isFalse(yield* store.remove(key, "nope"))
    })))

  it.effect("put then get answers the resource exactly, nested values included", () =>
    provide(Effect.gen(function*() {
      const store = yield* ResourceStore
      const key = freshKey()
      const resource = { id: "a1", name: "Test", n: 3.5, ok: true, none: null, tags: ["x", "y"], nested: { deep: [1, { k: "v" }] } }
      assert.isTrue(yield* store.put(key, resource))
      assert.deepStrictEqual(yield* store.get(key, "a1"), resource)
    })))

  it.effect("the last write wins; ifAbsent refuses a taken id (false, unchanged) and inserts a free one", () =>
    provide(Effect.gen(function*() {
      const store = yield* ResourceStore
      const key = freshKey()
      yield* store.put(key, { id: "a", v: 1 })
      yield* store.put(key, { id: "a", v: 2 })
      assert.deepStrictEqual(yield* store.get(key, "a"), { id: "a", v: 2 })
      assert.isFalse(yield* store.put(key, { id: "a", v: 3 }, { ifAbsent: true }))
      assert.deepStrictEqual(yield* store.get(key, "a"), { id: "a", v: 2 })
      assert.isTrue(yield* store.put(key, { id: "b", v: 1 }, { ifAbsent: true }))
      assert.isTrue(yield* store.remove(key, "a"))
      assert.isUndefined(yield* store.get(key, "a"))
      assert.isFalse(yield* store.remove(key, "a"))
    })))

  it.effect("the store keeps its own copy: changing the object later changes nothing", () =>
    provide(Effect.gen(function*() {
      const store = yield* ResourceStore
      const key = freshKey()
      const resource: { id: string; tags: Array<string> } = { id: "c", tags: ["one"] }
      yield* store.put(key, resource)
      resource.tags.push("two")
      const got = yield* store.get(key, "c")
      assert.deepStrictEqual(got, { id: "c", tags: ["one"] })
    })))

  it.effect("tenants, connectors and types are separate: the same id in each is its own resource, lists never cross", () =>
    provide(Effect.gen(function*() {
      const store = yield* ResourceStore
      const a = freshKey("tenant-a")
      const b: StoreKey = { ...a, tenant: "tenant-b" }
      const otherType: StoreKey = { ...a, type: "others" }
      const otherConnector: StoreKey = { ...a, connector: `${a.connector}x` }
      for (const [key, owner] of [[a, "a"], [b, "b"], [otherType, "type"], [otherConnector, "connector"]] as const) {
        yield* store.put(key, { id: "same", owner })
      }
      assert.deepStrictEqual(yield* store.get(a, "same"), { id: "same", owner: "a" })
      assert.deepStrictEqual(yield* store.get(b, "same"), { id: "same", owner: "b" })
      assert.deepStrictEqual((yield* store.list(a, { filter: {}, limit: 50 })).items, [{ id: "same", owner: "a" }])
      assert.deepStrictEqual((yield* store.list(b, { filter: { owner: "a" }, limit: 50 })).items, [])
      assert.isTrue(yield* store.remove(b, "same"))
      assert.deepStrictEqual(yield* store.get(a, "same"), { id: "same", owner: "a" })
    })))

  it.effect("list filters on top-level equality: strings, numbers, booleans, null (not a missing field), never inside arrays", () =>
    provide(Effect.gen(function*() {
      const store = yield* ResourceStore
      const key = freshKey()
      yield* store.put(key, { id: "1", folder: "inbox", size: 10, read: false, label: null, to: ["x@example.com"] })
      yield* store.put(key, { id: "2", folder: "inbox", size: 20, read: true })
      yield* store.put(key, { id: "3", folder: "sent", size: 10, read: false, nested: { folder: "inbox" } })
      const ids = (filter: Readonly<Record<string, string | number | boolean | null>>) =>
        Effect.map(store.list(key, { filter, limit: 50 }), (p) => p.items.map((r) => r.id))
      assert.deepStrictEqual(yield* ids({ folder: "inbox" }), ["1", "2"])
      assert.deepStrictEqual(yield* ids({ folder: "inbox", size: 10 }), ["1"])
      assert.deepStrictEqual(yield* ids({ read: false }), ["1", "3"])
      assert.deepStrictEqual(yield* ids({ label: null }), ["1"])
      assert.deepStrictEqual(yield* ids({ size: "10" }), [], "a number field does not equal its text")
      assert.deepStrictEqual(yield* ids({ to: "x@example.com" }), [], "an array is not equal to one of its elements")
      assert.deepStrictEqual(yield* ids({ missing: "x" }), [])
    })))

  it.effect("filter keys and values with quotes, operators and unicode are data, not SQL", () =>
    provide(Effect.gen(function*() {
      const store = yield* ResourceStore
      const key = freshKey()
      const hostile = { "a'b": "x'); DROP TABLE connector_resources; --", "k\"ey": "ü ∑ \\ %_" }
      yield* store.put(key, { id: "h", ...hostile })
      yield* store.put(key, { id: "other", "a'b": "y" })
      const page = yield* store.list(key, { filter: hostile, limit: 50 })
      assert.deepStrictEqual(page.items.map((r) => r.id), ["h"])
      assert.deepStrictEqual((yield* store.list(key, { filter: { "a'b": "y" }, limit: 50 })).items.map((r) => r.id), ["other"])
    })))

  it.effect.prop(
    "pages of any size cover every resource once, ids ascending, and only the last page has no `after`",
    [fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,11}$/), { minLength: 0, maxLength: 30 }), fc.integer({ min: 1, max: 7 })],
    ([ids, limit]) =>
      provide(Effect.gen(function*() {
        const store = yield* ResourceStore
        const key = freshKey()
        for (const id of ids) yield* store.put(key, { id, even: id.length % 2 === 0 })
        const all = yield* listAll(key, limit)
        const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        assert.deepStrictEqual(all.map((r) => r.id), sorted)
        const even = yield* listAll(key, limit, { even: true })
        assert.deepStrictEqual(even.map((r) => r.id), sorted.filter((id) => id.length % 2 === 0))
      })),
    { fastCheck: { numRuns: 15 } }
  )

  it.effect("a list past the store's limits is a defect, not a query", () =>
    provide(Effect.gen(function*() {
      const store = yield* ResourceStore
      const key = freshKey()
      const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, i]))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(store.list(key, { filter: tooMany, limit: 10 }))))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(store.list(key, { filter: {}, limit: 501 }))))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(store.list(key, { filter: { ["k".repeat(65)]: 1 }, limit: 10 }))))
    })))
}
