/** Who is calling: the scope and role of the bearer token that authenticated the request. */
import { Context, Schema } from "effect"

export const Role = Schema.Literal("ingest", "read", "admin", "actions")
export type Role = typeof Role.Type

/** A token's plan for outbound actions: free (1 successful call per action per UTC day) or pro (unlimited). */
export const Plan = Schema.Literal("free", "pro")
export type Plan = typeof Plan.Type

export const Principal = Schema.Struct({
  token_id: Schema.String,
  channel: Schema.String,
  provider: Schema.String,
  endpoint_identity: Schema.String,
  role: Role,
  /** The tenant the token belongs to (issue 11); every resource operation is scoped to it. */
  tenant: Schema.String,
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

/** Roles that may submit events (ingest, heartbeats). */
export const canIngest = (p: Principal): boolean => p.role === "ingest" || p.role === "admin"
/** Roles that may run outbound actions (send mail, post to Slack…): never an ingest token. */
export const canAct = (p: Principal): boolean => p.role === "actions" || p.role === "admin"
/** Roles that may read the dashboard API. */
export const canRead = (p: Principal): boolean => p.role === "read" || p.role === "admin"
