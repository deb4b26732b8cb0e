/**
 * The parts of an SDK route's URL: the connector id of the path, and a list call's query
 * (`limit`, `page_token`, `filter` as a JSON object of scalars, and any other parameter as a string
 * equality filter on that field). The SDK bounds the values themselves (src/sdk/Bounds.ts).
 */
import { Effect } from "effect"
import { ResourceInvalid } from "../domain/ConnectorErrors.js"
import type { ListQuery, ResourceFilter } from "../../services/ConnectorResources.js"
import { idProblem } from "./RegistryInput.js"

const DEFAULT_LIMIT = 50
const MAX_PARAMS = 32

const invalid = (path: string, message: string) => new ResourceInvalid({ message: `${path}: ${message}`, issues: [{ path, message }] })

/** The path's connector id, checked (a 400 naming it rather than a lookup of any string). */
export const connectorId = (id: string): Effect.Effect<string, ResourceInvalid> => {
  const problem = idProblem(id)
  return problem === undefined ? Effect.succeed(id) : Effect.fail(invalid("connector_id", problem))
}

const isScalar = (v: unknown): v is string | number | boolean | null =>
  v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean"

/** A list call's query from the request URL. */
export const listQuery = (url: string): Effect.Effect<ListQuery, ResourceInvalid> =>
  Effect.gen(function*() {
    const params = new URL(url, "http://hub.local").searchParams
    const names = [...params.keys()]
    if (names.length > MAX_PARAMS) return yield* invalid("query", `at most ${MAX_PARAMS} parameters`)
    const filter: Record<string, string | number | boolean | null> = {}
    let limit = DEFAULT_LIMIT
    let pageToken: string | undefined
    for (const name of new Set(names)) {
      const values = params.getAll(name)
      if (values.length > 1) return yield* invalid(`query.${name.slice(0, 64)}`, "is given more than once")
      const value = values[0] ?? ""
      if (name === "limit") {
        if (!/^\d{1,6}$/.test(value)) return yield* invalid("query.limit", "must be a whole number")
        limit = Number(value)
      } else if (name === "page_token") {
        pageToken = value
      } else if (name === "filter") {
        const parsed = yield* Effect.try({ try: (): unknown => JSON.parse(value), catch: () => invalid("query.filter", "must be a JSON object") })
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return yield* invalid("query.filter", "must be a JSON object")
        for (const [key, v] of Object.entries(parsed)) {
          if (!isScalar(v)) return yield* invalid(`query.filter.${key.slice(0, 64)}`, "must be a string, number, boolean or null")
          filter[key] = v
        }
      } else {
        filter[name] = value
      }
    }
    const result: ResourceFilter = filter
    return pageToken === undefined ? { filter: result, limit } : { filter: result, limit, pageToken }
  })
