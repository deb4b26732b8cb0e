/**
 * One permissions table for the whole hub (issue 11): every operation the hub offers, by name, with the
 * role it needs. A requirement is a lowest ranked role (a higher rank may too) and the narrow roles that
 * may as well; the resource operations and `connectors.test` need the configured CONNECTOR_RBAC_ROLE
 * (default operator). Fails closed: a missing or unknown role, or a narrow role not listed, is denied.
 * Roles are compared as stored (lower case); input names go through Roles.parseRole first.
 */
import { Config, ConfigError, Effect, Either } from "effect"
import { RoleDenied } from "./ConnectorErrors.js"
import { allowedRankedRoles, atLeast, type NarrowRole, narrowRoles, parseRankedRole, type RankedRole } from "./Roles.js"

/** The requirement of an operation: `atLeast` a ranked role (or the configured one), or one of `narrow`. */
export interface Requirement {
  /** The lowest ranked role that may, or `configured` for CONNECTOR_RBAC_ROLE. */
  readonly atLeast: RankedRole | "configured"
  /** Narrow roles that may too; they stand outside the ranking. */
  readonly narrow: ReadonlyArray<NarrowRole>
  /** What the operation is, for people (the README table, denials). */
  readonly what: string
}

const ranked = (role: RankedRole, what: string, narrow: ReadonlyArray<NarrowRole> = []) =>
  ({ atLeast: role, narrow, what }) as const
const configured = (what: string) => ({ atLeast: "configured", narrow: [], what }) as const

/**
 * The table. History and export need auditor: the audit trail names who changed what, and an export is
 * the whole registry's configuration, so both are for people who review the hub rather than run it.
 * The console (issue 12): a request's payload is message content, so reading requests needs operator, as do
 * replays and pausing; changing where messages go (targets, routes) needs admin; status and backlog counts,
 * which show no content, are open to every ranked role.
 * `connectors.list` is open to every ranked role but not to the narrow ones: a connector's ingest token
 * (and an actions token) can do exactly one thing each, so a leaked one reveals nothing else.
 */
export const table = {
  "ingest.submit": ranked("admin", "submit envelopes (REST /api/ingest, RPC Ingest / IngestBatch)", ["ingest"]),
  "heartbeat.submit": ranked("admin", "send connector heartbeats (REST and RPC)", ["ingest"]),
  "credentials.read": ranked("admin", "fetch a mailbox's OAuth credentials (RPC ConnectorCredentials; exact scope too)", ["ingest"]),
  "dashboard.read": ranked("viewer", "read the dashboard API (/api/connectors, summary, fanout, errors, detail)"),
  "stats.read": ranked("viewer", "read a connector's statistics (/api/connectors/…/stats)"),
  "actions.invoke": ranked("admin", "run outbound actions (POST /actions/…, RPC ActionSend); own an action target", ["actions"]),
  "actions.usage": ranked("viewer", "read the caller's own action quota usage", ["ingest", "actions"]),
  "oauth.gmail.start": ranked("admin", "start a Gmail consent (/oauth/gmail/start)"),
  "connectors.list": ranked("viewer", "list registered connectors"),
  "connectors.history": ranked("auditor", "read a connector's registry audit trail"),
  "connectors.export": ranked("auditor", "export the registry as JSONL"),
  "connectors.register": ranked("admin", "register a connector module"),
  "connectors.enable": ranked("admin", "enable a connector"),
  "connectors.disable": ranked("admin", "disable a connector"),
  "connectors.configure": ranked("admin", "change a connector's registered configuration"),
  "connectors.import": ranked("admin", "import registry entries from JSONL"),
  "connectors.test": configured("run a resource operation on a connector from the CLI"),
  "resources.list": configured("list resources of a connector (tenant-scoped)"),
  "resources.get": configured("read one resource (tenant-scoped)"),
  "resources.create": configured("create a resource (tenant-scoped)"),
  "resources.update": configured("update a resource (tenant-scoped)"),
  "resources.delete": configured("delete a resource (tenant-scoped)"),
  "hub.status": ranked("viewer", "read the hub's status (/api/status) and delivery backlog (/api/deliveries)"),
  "requests.read": ranked("operator", "read accepted requests with their payloads and delivery attempts (/api/requests)"),
  "requests.replay": ranked("operator", "replay requests to their targets (one, or in bulk by filter)"),
  "deadletters.read": ranked("operator", "list dead letters (/api/deadletters)"),
  "deadletters.replay": ranked("operator", "replay dead letters"),
  "targets.read": ranked("operator", "list delivery targets and routing rules, evaluate the rules on a sample request"),
  "targets.operate": ranked("operator", "pause, resume and test-send to a delivery target"),
  "targets.write": ranked("admin", "create, change and remove delivery targets and routing rules")
} as const satisfies Record<string, Requirement>

export type Operation = keyof typeof table
export const operations = Object.keys(table) as ReadonlyArray<Operation>

/** The operations whose role is CONNECTOR_RBAC_ROLE. */
export type ConfiguredOperation = { [O in Operation]: (typeof table)[O]["atLeast"] extends "configured" ? O : never }[Operation]

export const DEFAULT_RESOURCE_ROLE: RankedRole = "operator"

/**
 * CONNECTOR_RBAC_ROLE: the ranked role the resource operations and `connectors.test` need (any case,
 * default operator). Read it when a layer is built, so a bad value fails at start naming the allowed ones.
 */
export const resourceRoleConfig: Config.Config<RankedRole> = Config.string("CONNECTOR_RBAC_ROLE").pipe(
  Config.mapOrFail((raw) => {
    const role = parseRankedRole(raw)
    return role === undefined
      ? Either.left(ConfigError.InvalidData(
        [],
        `CONNECTOR_RBAC_ROLE "${raw.slice(0, 40)}" is not a ranked role: use one of ${allowedRankedRoles}`
      ))
      : Either.right(role)
  }),
  Config.withDefault(DEFAULT_RESOURCE_ROLE)
)

/** The configured role, where an operation needs it. */
export interface AllowOptions {
  /** The value of resourceRoleConfig. */
  readonly resourceRole: RankedRole
}

/** A configured operation must be given the configured role; the others need nothing. */
export type OptionsFor<O extends Operation> = O extends ConfiguredOperation ? [options: AllowOptions]
  : [options?: Partial<AllowOptions>]

/** Who asks: a principal (or anything with a role and maybe a token id), a stored role name, or nobody. */
export type Who = { readonly role: string; readonly token_id?: string } | string | null | undefined

const roleOf = (who: Who): string | undefined =>
  who === null || who === undefined ? undefined : typeof who === "string" ? who : who.role

/** The requirement of an operation with the configured role filled in. */
export const requirementOf = (
  operation: Operation,
  options?: Partial<AllowOptions>
): { readonly atLeast: RankedRole; readonly narrow: ReadonlyArray<NarrowRole> } => {
  // An unknown operation name (a caller outside the type system) has no entry and is denied below.
  const entry: Requirement | undefined = Object.hasOwn(table, operation) ? table[operation] : undefined
  if (entry === undefined) return { atLeast: "admin", narrow: [] }
  return {
    atLeast: entry.atLeast === "configured" ? options?.resourceRole ?? DEFAULT_RESOURCE_ROLE : entry.atLeast,
    narrow: entry.narrow
  }
}

/** May `who` do `operation`? A ranked role at or above the requirement, or a listed narrow role. */
export const allows = <O extends Operation>(who: Who, operation: O, ...options: OptionsFor<O>): boolean => {
  if (!Object.hasOwn(table, operation)) return false
  const role = roleOf(who)
  if (role === undefined) return false
  const need = requirementOf(operation, options[0])
  return atLeast(role, need.atLeast) || (need.narrow as ReadonlyArray<string>).includes(role)
}

/** The requirement in words: `ingest or admin`, `viewer or higher`, `any role`. */
export const describe = (operation: Operation, options?: Partial<AllowOptions>): string => {
  const need = requirementOf(operation, options)
  if (need.atLeast === "viewer" && narrowRoles.every((r) => need.narrow.includes(r))) return "any role"
  const rankedPart = need.atLeast === "admin" ? "admin" : `${need.atLeast} or higher`
  return [...need.narrow, rankedPart].join(" or ")
}

/** The RoleDenied for `who` asking for `operation` (required: the requirement in words; actual: the role or "none"). */
export const denied = <O extends Operation>(who: Who, operation: O, ...options: OptionsFor<O>): RoleDenied => {
  const actual = roleOf(who) ?? "none"
  const required = describe(operation, options[0])
  const token = typeof who === "object" && who !== null && who.token_id !== undefined ? `token ${who.token_id}` : "the caller"
  return new RoleDenied({ message: `${operation} needs role ${required} (${token} has role ${actual})`, required, actual })
}

/** Succeeds when `who` may do `operation`, else fails with its RoleDenied. */
export const check = <O extends Operation>(who: Who, operation: O, ...options: OptionsFor<O>): Effect.Effect<void, RoleDenied> =>
  allows(who, operation, ...options) ? Effect.void : Effect.fail(denied(who, operation, ...options))
