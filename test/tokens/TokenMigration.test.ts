/**
 * Migration 0061 on a real database holding tokens of every pre-issue-11 role: each still authenticates
 * with the same powers afterwards (`read` as viewer), in tenant default; the table then admits exactly
 * the roles of Roles.ts and tenant names of TENANT_PATTERN.
 */
import { NodeContext } from "@effect/platform-node"
import { Migrator, SqlClient } from "@effect/sql"
import { PgMigrator } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as PgTokenStore from "../../layers/TokenStore/PgTokenStore.js"
import { migrations } from "../../migrations/index.js"
import { ROLES, TENANT_REGEX } from "../../migrations/0061_token_roles_tenants.js"
import * as Permissions from "../../src/domain/Permissions.js"
import { roles, TENANT_PATTERN } from "../../src/domain/Roles.js"
import * as Token from "../../src/domain/Token.js"
import * as TestDatabase from "../support/TestDatabase.js"

const migrate = (ids: (id: number) => boolean) =>
  PgMigrator.run({
    loader: Migrator.fromRecord(Object.fromEntries(Object.entries(migrations).filter(([key]) => ids(Number(key.split("_")[0])))))
  }).pipe(Effect.provide(NodeContext.layer))

/** What each old role could do before issue 11 (the canRead / canIngest / canAct of then). */
const before = {
  read: ["dashboard.read", "stats.read", "actions.usage"],
  admin: ["ingest.submit", "heartbeat.submit", "credentials.read", "dashboard.read", "stats.read", "actions.invoke", "actions.usage", "oauth.gmail.start"],
  ingest: ["ingest.submit", "heartbeat.submit", "credentials.read", "actions.usage"],
  actions: ["actions.invoke", "actions.usage"]
} as const

const oldPowers = ["ingest.submit", "heartbeat.submit", "credentials.read", "dashboard.read", "stats.read", "actions.invoke", "actions.usage", "oauth.gmail.start"] as const

layer(TestDatabase.unmigrated, { excludeTestServices: true, timeout: 120_000 })("migration 0061_token_roles_tenants", (it) => {
  it.effect("old read, admin, ingest and actions tokens authenticate with the same powers afterwards", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* migrate((id) => id < 61)
      const secrets: Record<string, Redacted.Redacted<string>> = {}
      for (const role of Object.keys(before)) {
        const secret = Token.generateSecret("live")
        secrets[role] = secret
        yield* sql`INSERT INTO api_tokens (id, token_hash, env, channel, provider, endpoint_identity, role, plan, created_at)
          VALUES (${`tk_old${role.padEnd(6, "0").slice(0, 6)}`}, ${Token.hashOf(secret)}, 'live', '*', '*', '*', ${role},
            ${role === "admin" ? "pro" : "free"}, now())`
      }
      const applied = yield* migrate(() => true)
      assert.deepInclude(applied, [61, "token_roles_tenants"])

      const store = yield* PgTokenStore.make
      for (const [role, powers] of Object.entries(before)) {
        const principal = yield* store.verify(secrets[role]!)
        assert.strictEqual(principal.role, role === "read" ? "viewer" : role)
        assert.strictEqual(principal.tenant, "default")
        assert.strictEqual(principal.plan, role === "admin" ? "pro" : "free")
        for (const op of oldPowers) {
          assert.strictEqual(Permissions.allows(principal, op), (powers as ReadonlyArray<string>).includes(op), `${role} ${op}`)
        }
      }
      const listed = yield* store.list
      assert.sameMembers(listed.map((r) => `${r.role}@${r.tenant}`), ["viewer@default", "admin@default", "ingest@default", "actions@default"])
    }))

  it.effect("afterwards the table admits exactly the roles of Roles.ts and valid tenant names", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* migrate(() => true)
      assert.sameMembers([...ROLES], [...roles], "the migration's copy of the roles")
      assert.strictEqual(TENANT_REGEX, TENANT_PATTERN.source, "the migration's copy of the tenant pattern")
      const insert = (role: string, tenant: string) =>
        sql`INSERT INTO api_tokens (id, token_hash, env, channel, provider, endpoint_identity, role, tenant, created_at)
          VALUES (${Token.generateId()}, ${Token.hashOf(Token.generateSecret("test"))}, 'test', '*', '*', '*', ${role}, ${tenant}, now())`.pipe(
          Effect.as(true),
          Effect.catchTag("SqlError", () => Effect.succeed(false))
        )
      for (const role of roles) assert.isTrue(yield* insert(role, "default"), role)
      for (const role of ["read", "Admin", "root", ""]) assert.isFalse(yield* insert(role, "default"), `role ${role}`)
      for (const tenant of ["acme", "a", "team-7_x", "a".repeat(63)]) assert.isTrue(yield* insert("viewer", tenant), tenant)
      for (const tenant of ["Acme", "-acme", "", "a b", "a".repeat(64), "acme/"]) assert.isFalse(yield* insert("viewer", tenant), `tenant ${tenant}`)

      const store = yield* PgTokenStore.make
      const created = yield* store.create({
        env: "test", channel: "*", provider: "*", endpoint_identity: "*", role: "operator", tenant: "acme",
        label: null, expires_at: null, replaces: null
      })
      assert.deepStrictEqual([created.record.role, created.record.tenant], ["operator", "acme"])
      const principal = yield* store.verify(created.secret)
      assert.deepStrictEqual([principal.role, principal.tenant], ["operator", "acme"])
      const rotated = yield* store.rotate(created.record.id, { graceMs: 60_000, expires_at: undefined })
      assert.deepStrictEqual([rotated.record.role, rotated.record.tenant], ["operator", "acme"], "rotation keeps role and tenant")
    }))
})
