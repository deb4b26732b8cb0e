/** Mock Outlook: dry-run by default (checked on the table), payload shapes per type, last write wins, OUTLOOK_TOKEN required. */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import * as PgResourceStore from "../../layers/ResourceStore/PgResourceStore.js"
import type { ResourceOperations } from "../../services/ConnectorResources.js"
import { ResourceStore } from "../../services/ResourceStore.js"
import * as OutlookResources from "../../src/connectors/outlook/OutlookResources.js"
import * as TestDatabase from "../support/TestDatabase.js"

let counter = 0
const freshTenant = () => `t${Date.now().toString(36)}${counter++}`

const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

/** A connection of mock Outlook for `tenant` with `env`, on the Postgres store. */
const connect = (tenant: string, env: Record<string, string>) =>
  Effect.gen(function*() {
    const options = yield* OutlookResources.OutlookConfig.pipe(withEnv(env))
    const connector = yield* OutlookResources.make(options)
    return yield* connector.connect({ tenant, actor: "test" })
  }).pipe(Effect.provide(PgResourceStore.layer))

const rowsOf = (tenant: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ resource_id: string; subject: string | null }>`SELECT resource_id, body->>'subject' AS subject FROM connector_resources
      WHERE connector = 'outlook' AND tenant = ${tenant} ORDER BY resource_id`)

const message = { to: "alice@example.com", subject: "Test", body: "Hello World" }

layer(TestDatabase.layer, { excludeTestServices: true, timeout: 120_000 })("mock Outlook", (it) => {
  it.effect("DRY_RUN is on by default: writes answer [DRY-RUN] Would …, dry_run: true, and the table is untouched", () =>
    Effect.gen(function*() {
      const tenant = freshTenant()
      const store = yield* Effect.provide(ResourceStore, PgResourceStore.layer)
      yield* store.put({ connector: "outlook", tenant, type: "messages" }, { id: "m1", ...message, folder: "inbox", is_read: false })
      const ops: ResourceOperations = yield* connect(tenant, { OUTLOOK_TOKEN: "tok" }).pipe(Effect.scoped)
      const before = yield* rowsOf(tenant)
      const created = yield* ops.create("messages", { ...message, id: "m2" })
      assert.deepStrictEqual([created.message, created.dry_run], ["[DRY-RUN] Would create messages/m2", true])
      const generated = yield* ops.create("messages", message)
      assert.strictEqual(generated.message, `[DRY-RUN] Would create messages/${generated.resource.id}`)
      const updated = yield* ops.update("messages", "m1", { subject: "changed" })
      assert.deepStrictEqual([updated.message, updated.dry_run, updated.resource["subject"]], ["[DRY-RUN] Would update messages/m1", true, "changed"])
      const deleted = yield* ops.delete("messages", "m1")
      assert.deepStrictEqual([deleted.message, deleted.dry_run], ["[DRY-RUN] Would delete messages/m1", true])
      assert.deepStrictEqual(yield* rowsOf(tenant), before)
      assert.deepStrictEqual(before, [{ resource_id: "m1", subject: "Test" }])
      assert.strictEqual((yield* Effect.flip(ops.delete("messages", "absent")))._tag, "ResourceNotFound", "reads still answer")
    }))

  it.effect("DRY_RUN=false writes; a create with a taken id replaces it (last wins); filters select by field", () =>
    Effect.gen(function*() {
      const tenant = freshTenant()
      const ops = yield* connect(tenant, { OUTLOOK_TOKEN: "tok", DRY_RUN: "false" }).pipe(Effect.scoped)
      const first = yield* ops.create("messages", { ...message, id: "m1" })
      assert.deepStrictEqual([first.message, first.dry_run], ["Created messages/m1", false])
      yield* ops.create("messages", { ...message, id: "m1", subject: "second" })
      yield* ops.create("messages", { ...message, id: "m2", folder: "sent" })
      assert.deepStrictEqual(yield* rowsOf(tenant), [{ resource_id: "m1", subject: "second" }, { resource_id: "m2", subject: "Test" }])
      const sent = yield* ops.list("messages", { filter: { folder: "sent" }, limit: 50 })
      assert.deepStrictEqual(sent.items.map((m) => m.id), ["m2"])
      assert.deepInclude((yield* ops.get("messages", "m1")), { folder: "inbox", is_read: false, subject: "second" })
    }))

  it.effect("payloads are checked per type; every issue names its path and quotes no value", () =>
    Effect.gen(function*() {
      const ops = yield* connect(freshTenant(), { OUTLOOK_TOKEN: "tok", DRY_RUN: "false" }).pipe(Effect.scoped)
      const bad = yield* Effect.flip(ops.create("messages", { to: "secret-not-an-address", subject: 5, extra: true }))
      assert.strictEqual(bad._tag, "ResourceInvalid")
      const paths = bad._tag === "ResourceInvalid" ? bad.issues.map((i) => i.path).sort() : []
      assert.deepStrictEqual(paths, ["payload.body", "payload.extra", "payload.subject", "payload.to"])
      assert.notInclude(JSON.stringify(bad), "secret-not-an-address")
      const contact = yield* Effect.flip(ops.create("contacts", { name: "" , email: "x" }))
      assert.deepStrictEqual(contact._tag === "ResourceInvalid" ? contact.issues.map((i) => i.path).sort() : [], ["payload.email", "payload.name"])
      yield* ops.create("folders", { id: "f1", name: "Projects" })
      const patch = yield* Effect.flip(ops.update("folders", "f1", { name: "" }))
      assert.deepStrictEqual(patch._tag === "ResourceInvalid" ? patch.issues.map((i) => i.path) : [], ["payload.name"])
    }))

  it.effect("OUTLOOK_TOKEN is required; a missing or blank one fails the configuration naming it", () =>
    Effect.gen(function*() {
      for (const env of [{}, { OUTLOOK_TOKEN: "  " }]) {
        const e = yield* Effect.flip(OutlookResources.OutlookConfig.pipe(withEnv(env)))
        assert.include(String(e), "OUTLOOK_TOKEN")
      }
      const ok = yield* OutlookResources.OutlookConfig.pipe(withEnv({ OUTLOOK_TOKEN: "tok" }))
      assert.isTrue(ok.dryRun)
      assert.notInclude(String(ok.token), "tok")
    }))
})
