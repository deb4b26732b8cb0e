/** The test file `connectors scaffold` writes next to the connector (same placeholders). */
export default `/** __ID__ over the in-memory ResourceStore: CRUD round trips, conflicts, tenants, pages (written by scaffold). */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as MemoryResourceStore from "__ROOT__/layers/ResourceStore/MemoryResourceStore.js"
import { ResourceConnector } from "__ROOT__/services/ConnectorResources.js"
import connector from "./__ID__.js"

const Resources = connector.resources.layer.pipe(Layer.provide(MemoryResourceStore.layer))

describe("__ID__ connector", () => {
  it.scoped("creates, reads, updates, lists and deletes a contact; a taken id is a conflict", () =>
    Effect.gen(function*() {
      const resources = yield* ResourceConnector
      const ops = yield* resources.connect({ tenant: "acme", actor: "test" })
      const created = yield* ops.create("contacts", { id: "c1", name: "Ada" })
      assert.strictEqual(created.message, "created contacts/c1")
      assert.deepStrictEqual(yield* ops.get("contacts", "c1"), { id: "c1", name: "Ada" })
      assert.strictEqual((yield* Effect.flip(ops.create("contacts", { id: "c1" })))._tag, "ResourceConflict")
      yield* ops.update("contacts", "c1", { name: "Ada Lovelace" })
      yield* ops.create("contacts", { id: "c2", name: "Grace" })
      const first = yield* ops.list("contacts", { filter: {}, limit: 1 })
      assert.deepStrictEqual(first.items, [{ id: "c1", name: "Ada Lovelace" }])
      assert.isDefined(first.next_page_token)
      const rest = yield* ops.list("contacts", { filter: {}, limit: 1, pageToken: first.next_page_token! })
      assert.deepStrictEqual(rest.items.map((r) => r.id), ["c2"])
      yield* ops.delete("contacts", "c1")
      assert.strictEqual((yield* Effect.flip(ops.get("contacts", "c1")))._tag, "ResourceNotFound")
    }).pipe(Effect.provide(Resources)))

  it.scoped("one tenant never sees another's resources", () =>
    Effect.gen(function*() {
      const resources = yield* ResourceConnector
      const acme = yield* resources.connect({ tenant: "acme", actor: "test" })
      const globex = yield* resources.connect({ tenant: "globex", actor: "test" })
      yield* acme.create("notes", { id: "n1", text: "private" })
      assert.strictEqual((yield* Effect.flip(globex.get("notes", "n1")))._tag, "ResourceNotFound")
      assert.deepStrictEqual((yield* globex.list("notes", { filter: {}, limit: 10 })).items, [])
    }).pipe(Effect.provide(Resources)))
})
`
