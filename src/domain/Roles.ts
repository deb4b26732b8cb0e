/**
 * One role model for the whole hub (issue 11). Six ranked roles, Viewer(0) < Author(1) < Operator(2) <
 * Auditor(3) < Compliance(4) < Admin(5): a ranked role may do what any lower one may. Two narrow roles
 * stand outside the ranking and can do exactly one thing each: `ingest` (a connector submitting events
 * and heartbeats for its scope) and `actions` (outbound calls). A narrow role has no rank, so every
 * ranked check fails closed for it, as it does for an unknown role.
 *
 * Stored names are lower case; `read` (the dashboard role before issue 11) is the old name of `viewer`.
 * What each role may do is the table in Permissions.ts.
 */
import { Schema } from "effect"

export const RankedRole = Schema.Literal("viewer", "author", "operator", "auditor", "compliance", "admin")
export type RankedRole = typeof RankedRole.Type

export const NarrowRole = Schema.Literal("ingest", "actions")
export type NarrowRole = typeof NarrowRole.Type

/** Every role a token may carry. */
export const Role = Schema.Literal(...RankedRole.literals, ...NarrowRole.literals)
export type Role = typeof Role.Type

/** Old role names still accepted on input, and the role each one now is. */
export const LEGACY_NAMES = { read: "viewer" } as const satisfies Record<string, Role>
/** A role as callers may still name it: a role of the model or a legacy name (`read`). */
export type RoleName = Role | keyof typeof LEGACY_NAMES

/** Rank of each ranked role (the seed's numbers). */
export const RANK: { readonly [R in RankedRole]: number } = {
  viewer: 0,
  author: 1,
  operator: 2,
  auditor: 3,
  compliance: 4,
  admin: 5
}

export const rankedRoles: ReadonlyArray<RankedRole> = RankedRole.literals
export const narrowRoles: ReadonlyArray<NarrowRole> = NarrowRole.literals
export const roles: ReadonlyArray<Role> = Role.literals

const isRanked = (role: string): role is RankedRole => Object.hasOwn(RANK, role)

/** The rank of a role, or undefined for a narrow or unknown one (which every ranked check denies). */
export const rankOf = (role: string): number | undefined => (isRanked(role) ? RANK[role] : undefined)

/** Does `role` reach `required`? Fails closed: a narrow, unknown or missing role never does. */
export const atLeast = (role: string | undefined, required: RankedRole): boolean => {
  const rank = role === undefined ? undefined : rankOf(role)
  return rank !== undefined && rank >= RANK[required]
}

/**
 * A role name as a person types it (`Operator`, `operator`, `read`), or undefined when it names none.
 * `read` is accepted as the old name of `viewer`.
 */
export const parseRole = (input: string): Role | undefined => {
  const name = input.trim().toLowerCase()
  if (Object.hasOwn(LEGACY_NAMES, name)) return LEGACY_NAMES[name as keyof typeof LEGACY_NAMES]
  return (roles as ReadonlyArray<string>).includes(name) ? (name as Role) : undefined
}

/** Like parseRole, for the ranked roles only (a narrow role is not a rank to require). */
export const parseRankedRole = (input: string): RankedRole | undefined => {
  const role = parseRole(input)
  return role !== undefined && isRanked(role) ? role : undefined
}

/** The allowed values, for a usage error: `viewer, author, …, admin, ingest, actions (read = viewer)`. */
export const allowedRoles = `${roles.join(", ")} (any case; read = viewer)`
/** The allowed ranked values, for a usage or config error. */
export const allowedRankedRoles = `${rankedRoles.join(", ")} (any case)`

/** A tenant name: lower-case letters, digits, `-` and `_`, 1–63 characters, starting with a letter or digit. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/
export const DEFAULT_TENANT = "default"
/** What a tenant may look like, for a usage error. */
export const allowedTenants = "1–63 of a-z 0-9 - _, starting with a letter or digit"

export const Tenant = Schema.String.pipe(
  Schema.filter((s) => TENANT_PATTERN.test(s) || `a tenant is ${allowedTenants}`)
).annotations({ identifier: "Tenant" })
export type Tenant = typeof Tenant.Type
