/**
 * The hub's permissions table against the documented one (README "Roles"): every operation × every
 * role (and unknown or missing ones) × every configured CONNECTOR_RBAC_ROLE, monotone in rank.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, FastCheck as fc } from "effect"
import * as Permissions from "../../src/domain/Permissions.js"
import { RANK, type RankedRole, rankedRoles, type Role, roles } from "../../src/domain/Roles.js"

const from = (lowest: RankedRole): ReadonlyArray<Role> => rankedRoles.filter((r) => RANK[r] >= RANK[lowest])

/** The README's table, written out independently of Permissions.table. */
const documented: { readonly [O in Permissions.Operation]: (resourceRole: RankedRole) => ReadonlyArray<Role> } = {
  "ingest.submit": () => ["ingest", "admin"],
  "heartbeat.submit": () => ["ingest", "admin"],
  "credentials.read": () => ["ingest", "admin"],
  "dashboard.read": () => from("viewer"),
  "stats.read": () => from("viewer"),
  "actions.invoke": () => ["actions", "admin"],
  "actions.usage": () => roles,
  "oauth.gmail.start": () => ["admin"],
  "connectors.list": () => from("viewer"),
  "connectors.history": () => from("auditor"),
  "connectors.export": () => from("auditor"),
  "connectors.register": () => ["admin"],
  "connectors.enable": () => ["admin"],
  "connectors.disable": () => ["admin"],
  "connectors.configure": () => ["admin"],
  "connectors.import": () => ["admin"],
  "connectors.test": (r) => from(r),
  "resources.list": (r) => from(r),
  "resources.get": (r) => from(r),
  "resources.create": (r) => from(r),
  "resources.update": (r) => from(r),
  "resources.delete": (r) => from(r),
  "hub.status": () => from("viewer"),
  "requests.read": () => from("operator"),
  "requests.replay": () => from("operator"),
  "deadletters.read": () => from("operator"),
  "deadletters.replay": () => from("operator"),
  "targets.read": () => from("operator"),
  "targets.operate": () => from("operator"),
  "targets.write": () => ["admin"]
}

const operation = fc.constantFrom(...Permissions.operations)
const rankedRole = fc.constantFrom(...rankedRoles)
const knownRole = fc.constantFrom(...roles)
/** Anything that is not a stored role name: other strings, other cases, the legacy name, nothing. */
const strangeRole = fc.oneof(
  fc.string({ maxLength: 12 }).filter((s) => !(roles as ReadonlyArray<string>).includes(s)),
  fc.constantFrom("Admin", "ADMIN", " admin", "read", "anonymous", "root", "*", ""),
  fc.constant(undefined),
  fc.constant(null)
)

describe("Permissions", () => {
  it("names every operation of the hub, each with a requirement", () => {
    assert.sameMembers([...Permissions.operations], Object.keys(documented))
    for (const name of ["ingest.submit", "credentials.read", "actions.usage", "oauth.gmail.start", "connectors.test", "resources.delete"]) {
      assert.include(Permissions.operations, name)
    }
  })

  it.prop("allows() is the documented table for every known role", [operation, knownRole, rankedRole], ([op, role, resourceRole]) => {
    const expected = documented[op](resourceRole).includes(role)
    assert.strictEqual(Permissions.allows(role, op, { resourceRole }), expected, `${role} ${op} (resource role ${resourceRole})`)
    assert.strictEqual(Permissions.allows({ role, token_id: "tk_x" }, op, { resourceRole }), expected, "principal and role agree")
  }, { fastCheck: { numRuns: 2000 } })

  it("every cell of the table, exhaustively", () => {
    for (const op of Permissions.operations) {
      for (const resourceRole of rankedRoles) {
        const allowed = roles.filter((role) => Permissions.allows(role, op, { resourceRole }))
        assert.sameMembers(allowed, [...documented[op](resourceRole)], `${op} with CONNECTOR_RBAC_ROLE=${resourceRole}`)
      }
    }
  })

  it.prop("fails closed: a missing, unknown or differently spelled role is denied everything", [operation, strangeRole, rankedRole], ([op, role, resourceRole]) => {
    assert.isFalse(Permissions.allows(role, op, { resourceRole }))
    assert.isFalse(Permissions.check(role, op, { resourceRole }).pipe(Effect.isSuccess, Effect.runSync))
  })

  it.prop("monotone in rank: what a ranked role may do, every higher one may", [operation, rankedRole, rankedRole, rankedRole], ([op, a, b, resourceRole]) => {
    const [low, high] = RANK[a] <= RANK[b] ? [a, b] : [b, a]
    if (Permissions.allows(low, op, { resourceRole })) assert.isTrue(Permissions.allows(high, op, { resourceRole }), `${low} → ${high} on ${op}`)
  })

  it.prop("a narrow role can do only what it is named in", [operation, fc.constantFrom("ingest", "actions"), rankedRole], ([op, narrow, resourceRole]) => {
    const allowed = Permissions.allows(narrow, op, { resourceRole })
    const own = narrow === "ingest" ? ["ingest.submit", "heartbeat.submit", "credentials.read", "actions.usage"] : ["actions.invoke", "actions.usage"]
    assert.strictEqual(allowed, own.includes(op), `${narrow} ${op}`)
  })

  it("an operation outside the table is denied to admin too", () => {
    assert.isFalse(Permissions.allows("admin", "connectors.nuke" as Permissions.Operation))
  })

  it("the denial names what was required and what the caller had", () => {
    const viewer = Permissions.denied({ role: "viewer", token_id: "tk_1" }, "resources.create", { resourceRole: "operator" })
    assert.strictEqual(viewer._tag, "RoleDenied")
    assert.deepStrictEqual([viewer.required, viewer.actual], ["operator or higher", "viewer"])
    assert.include(viewer.message, "token tk_1 has role viewer")
    const nobody = Permissions.denied(undefined, "ingest.submit")
    assert.deepStrictEqual([nobody.required, nobody.actual], ["ingest or admin", "none"])
    assert.strictEqual(Permissions.describe("actions.usage"), "any role")
    assert.strictEqual(Permissions.describe("oauth.gmail.start"), "admin")
    const failed = Effect.runSync(Effect.either(Permissions.check("author", "connectors.history")))
    assert.isTrue(Either.isLeft(failed) && failed.left.required === "auditor or higher")
  })
})

describe("CONNECTOR_RBAC_ROLE", () => {
  const read = (env: Record<string, string>) =>
    Effect.runSync(Effect.either(Effect.withConfigProvider(Permissions.resourceRoleConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))))

  it("defaults to operator and accepts any case", () => {
    assert.deepStrictEqual(read({}), Either.right("operator"))
    assert.deepStrictEqual(read({ CONNECTOR_RBAC_ROLE: "Auditor" }), Either.right("auditor"))
    assert.deepStrictEqual(read({ CONNECTOR_RBAC_ROLE: "viewer" }), Either.right("viewer"))
  })

  it("refuses a narrow or unknown role, naming the allowed values", () => {
    for (const bad of ["ingest", "superuser", ""]) {
      const result = read({ CONNECTOR_RBAC_ROLE: bad })
      assert.isTrue(Either.isLeft(result), bad)
      if (Either.isLeft(result)) {
        assert.include(String(result.left), "CONNECTOR_RBAC_ROLE")
        assert.include(String(result.left), "viewer, author, operator, auditor, compliance, admin")
      }
    }
  })
})
