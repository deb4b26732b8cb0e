/**
 * ResourceStore on Postgres (`connector_resources`, migration 0062): one row per (connector, tenant,
 * type, id) with the resource as jsonb, last write wins. List filters are one jsonb containment
 * (`body @> $1`) over a bound parameter built from the bounded filter, so no field name or value ever
 * reaches the SQL text; pages are keyset by id (ascending, bytewise).
 */
import { PgClient } from "@effect/sql-pg"
import { Clock, Effect, Layer, Schema } from "effect"
import { RETRY_AFTER_UNAVAILABLE_S, Unavailable } from "../../src/domain/Errors.js"
import { Resource } from "../../services/ConnectorResources.js"
import { beyondLimits, ResourceStore, type StorePage } from "../../services/ResourceStore.js"
import * as SqlFailure from "../Database/SqlFailure.js"

interface Row {
  readonly resource_id: string
  readonly body: unknown
}

const guard = SqlFailure.guard((reason) =>
  new Unavailable({ message: `resource store: ${reason}`, retry_after_s: RETRY_AFTER_UNAVAILABLE_S })
)

const decodeBody = Schema.decodeUnknownSync(Resource)

/** A row's body as a Resource (pg answers jsonb parsed; the column only ever holds what `put` wrote). */
const resourceOf = (row: Row): Resource => decodeBody(typeof row.body === "string" ? JSON.parse(row.body) : row.body)

export const make = Effect.gen(function*() {
  const sql = yield* PgClient.PgClient

  return ResourceStore.of({
    get: (key, id) =>
      sql<Row>`SELECT resource_id, body FROM connector_resources
        WHERE connector = ${key.connector} AND tenant = ${key.tenant} AND resource_type = ${key.type} AND resource_id = ${id}`.pipe(
        Effect.map((rows) => (rows[0] === undefined ? undefined : resourceOf(rows[0]))),
        guard,
        Effect.withSpan("ResourceStore.get")
      ),
    put: (key, resource, options) =>
      Effect.gen(function*() {
        const now = new Date(yield* Clock.currentTimeMillis)
        const body = sql.json(resource)
        const rows = options?.ifAbsent === true
          ? yield* sql<{ readonly resource_id: string }>`INSERT INTO connector_resources
              (connector, tenant, resource_type, resource_id, body, updated_at)
              VALUES (${key.connector}, ${key.tenant}, ${key.type}, ${resource.id}, ${body}, ${now})
              ON CONFLICT DO NOTHING RETURNING resource_id`
          : yield* sql<{ readonly resource_id: string }>`INSERT INTO connector_resources
              (connector, tenant, resource_type, resource_id, body, updated_at)
              VALUES (${key.connector}, ${key.tenant}, ${key.type}, ${resource.id}, ${body}, ${now})
              ON CONFLICT (connector, tenant, resource_type, resource_id)
              DO UPDATE SET body = EXCLUDED.body, updated_at = EXCLUDED.updated_at RETURNING resource_id`
        return rows.length > 0
      }).pipe(guard, Effect.withSpan("ResourceStore.put")),
    remove: (key, id) =>
      sql<{ readonly resource_id: string }>`DELETE FROM connector_resources
        WHERE connector = ${key.connector} AND tenant = ${key.tenant} AND resource_type = ${key.type} AND resource_id = ${id}
        RETURNING resource_id`.pipe(
        Effect.map((rows) => rows.length > 0),
        guard,
        Effect.withSpan("ResourceStore.remove")
      ),
    list: (key, query) =>
      Effect.gen(function*() {
        const problem = beyondLimits(query)
        if (problem !== undefined) return yield* Effect.dieMessage(`ResourceStore.list: ${problem}`)
        const filtered = Object.keys(query.filter).length > 0
        const rows = yield* sql<Row>`SELECT resource_id, body FROM connector_resources
          WHERE connector = ${key.connector} AND tenant = ${key.tenant} AND resource_type = ${key.type}
          ${query.after === undefined ? sql`` : sql`AND resource_id > ${query.after}`}
          ${filtered ? sql`AND body @> ${sql.json(query.filter)}` : sql``}
          ORDER BY resource_id LIMIT ${query.limit + 1}`.pipe(guard)
        const page = rows.slice(0, query.limit).map(resourceOf)
        const last = page[page.length - 1]
        const result: StorePage = rows.length > query.limit && last !== undefined ? { items: page, after: last.id } : { items: page }
        return result
      }).pipe(Effect.withSpan("ResourceStore.list"))
  })
})

export const layer = Layer.effect(ResourceStore, make)
