/** The ResourceStore contract against the memory and Postgres stores, and what only the table can show. */
import { SqlClient } from "@effect/sql"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as MemoryResourceStore from "../../layers/ResourceStore/MemoryResourceStore.js"
import * as PgResourceStore from "../../layers/ResourceStore/PgResourceStore.js"
import { ResourceStore } from "../../services/ResourceStore.js"
import { freshKey, suite } from "../contracts/ResourceStore.suite.js"
import * as TestDatabase from "../support/TestDatabase.js"

describe("MemoryResourceStore", () => {
  suite(it, (effect) => Effect.provide(effect, MemoryResourceStore.layer))
})

layer(TestDatabase.layer, { excludeTestServices: true, timeout: 120_000 })("PgResourceStore", (it) => {
  describe("contract", () => {
    suite(it, (effect) => Effect.provide(effect, PgResourceStore.layer))
  })

  it.effect("one row per (connector, tenant, type, id) with the body as jsonb and updated_at; a rewrite keeps one row", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const store = yield* Effect.provide(ResourceStore, PgResourceStore.layer)
      const key = freshKey("acme", "messages")
      yield* store.put(key, { id: "m1", subject: "first" })
      yield* store.put(key, { id: "m1", subject: "second" })
      const rows = yield* sql<{ tenant: string; resource_type: string; kind: string; subject: string; stamped: boolean }>`
        SELECT tenant, resource_type, jsonb_typeof(body) AS kind, body->>'subject' AS subject, updated_at IS NOT NULL AS stamped
        FROM connector_resources WHERE connector = ${key.connector}`
      assert.deepStrictEqual(rows.map((r) => ({ ...r })), [
        { tenant: "acme", resource_type: "messages", kind: "object", subject: "second", stamped: true }
      ])
    }))
})
