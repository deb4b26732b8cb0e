/**
 * ResourceStore in memory: the same contract as PgResourceStore, for tests and a hub without a
 * database. Values are copied in and out, so a caller changing an object later changes nothing here.
 */
import { Effect, Layer, Ref } from "effect"
import type { Resource, ResourceFilter } from "../../services/ConnectorResources.js"
import { beyondLimits, ResourceStore, type StoreKey, type StorePage } from "../../services/ResourceStore.js"

const prefixOf = (key: StoreKey) => `${key.connector}\u0000${key.tenant}\u0000${key.type}\u0000`

const copy = (r: Resource): Resource => structuredClone(r)

const matches = (resource: Resource, filter: ResourceFilter) =>
  Object.entries(filter).every(([field, value]) => Object.hasOwn(resource, field) && resource[field] === value)

/** Ids compare by code unit, as Postgres's COLLATE "C" compares the ASCII ids the SDK admits. */
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export const make = Effect.gen(function*() {
  const rows = yield* Ref.make(new Map<string, Resource>())

  return ResourceStore.of({
    get: (key, id) => Effect.map(Ref.get(rows), (m) => {
      const found = m.get(prefixOf(key) + id)
      return found === undefined ? undefined : copy(found)
    }),
    put: (key, resource, options) =>
      Ref.modify(rows, (m) => {
        const at = prefixOf(key) + resource.id
        if (options?.ifAbsent === true && m.has(at)) return [false, m]
        return [true, new Map(m).set(at, copy(resource))]
      }),
    remove: (key, id) =>
      Ref.modify(rows, (m) => {
        const at = prefixOf(key) + id
        if (!m.has(at)) return [false, m]
        const next = new Map(m)
        next.delete(at)
        return [true, next]
      }),
    list: (key, query) =>
      Effect.gen(function*() {
        const problem = beyondLimits(query)
        if (problem !== undefined) return yield* Effect.dieMessage(`ResourceStore.list: ${problem}`)
        const prefix = prefixOf(key)
        const all = yield* Ref.get(rows)
        const items = [...all.entries()]
          .filter(([at, r]) => at.startsWith(prefix) && (query.after === undefined || r.id > query.after) && matches(r, query.filter))
          .map(([, r]) => r)
          .sort((a, b) => byId(a.id, b.id))
        const page = items.slice(0, query.limit).map(copy)
        const last = page[page.length - 1]
        const result: StorePage = items.length > query.limit && last !== undefined ? { items: page, after: last.id } : { items: page }
        return result
      })
  })
})

export const layer = Layer.effect(ResourceStore, make)
