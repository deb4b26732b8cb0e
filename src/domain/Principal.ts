/**
 * Who is calling: the scope, role and tenant of the bearer token that authenticated the request. What a
 * role may do is decided in one place, Permissions.ts; nothing else compares role names.
 */
import { Context, Schema } from "effect"
import { Role, Tenant } from "./Roles.js"

export { Role } from "./Roles.js"

/** A token's plan for outbound actions: free (1 successful call per action per UTC day) or pro (unlimited). */
export const Plan = Schema.Literal("free", "pro")
export type Plan = typeof Plan.Type

export const Principal = Schema.Struct({
  token_id: Schema.String,
  channel: Schema.String,
  provider: Schema.String,
  endpoint_identity: Schema.String,
  /** A role of the hub's one model (Roles.ts): ranked viewer..admin, or narrow ingest / actions. */
  role: Role,
  /** The tenant the token belongs to (issue 11); every resource operation is scoped to it. */
  tenant: Tenant,
  /** The token's plan (outbound actions); absent means free. */
  plan: Schema.optional(Plan)
})
export type Principal = typeof Principal.Type

/** Provided by the auth middleware of RPC and HTTP to every handler behind it. */
export class CurrentPrincipal extends Context.Tag("switchboard/CurrentPrincipal")<CurrentPrincipal, Principal>() {}

const matches = (scope: string, value: string) => scope === "*" || scope === value

/** Does the token's scope cover this source? `*` matches anything. */
export const covers = (
  p: Principal,
  source: { readonly channel: string; readonly provider: string; readonly endpoint_identity: string }
): boolean =>
  matches(p.channel, source.channel) && matches(p.provider, source.provider) &&
  matches(p.endpoint_identity, source.endpoint_identity)
