/** `switchboard token create|list|revoke|rotate` (DESIGN.md §5.6). */
import { Args, Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Clock, Console, Data, Effect, Either, Option, Redacted } from "effect"
import { Plan } from "../domain/Principal.js"
import { allowedRoles, allowedTenants, DEFAULT_TENANT, parseRole, type Role, roles, TENANT_PATTERN } from "../domain/Roles.js"
import { scopeProblem } from "../domain/Token.js"
import type { TokenRecord } from "../../services/TokenStore.js"
import { TokenStore } from "../../services/TokenStore.js"
import * as DurationSpec from "./DurationSpec.js"
import * as Help from "./Help.js"
import * as Output from "./Output.js"

const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of text"))

const durationOption = (name: string, description: string) =>
  Options.text(name).pipe(
    Options.withDescription(description),
    Options.withPseudoName("duration"),
    Options.mapEffect((spec) =>
      Either.mapLeft(DurationSpec.parse(spec), (message) => ValidationError.invalidValue(HelpDoc.p(message)))
    )
  )

const usage = (message: string) => ValidationError.invalidValue(HelpDoc.p(message))

/** `--role` in any case (`Operator`), `read` as the old name of viewer; anything else names the allowed values. */
const roleOption = Options.text("role").pipe(
  Options.withPseudoName(roles.join("|")),
  Options.withDescription(
    "viewer (dashboard), author, operator (connector resources), auditor (registry history/export), compliance, " +
      "admin (all); narrow: ingest (a connector's events and heartbeats, the default), actions (outbound actions). Any case; read = viewer"
  ),
  Options.mapEffect((name) => {
    const role = parseRole(name)
    return role === undefined
      ? Either.left(usage(`--role "${name.slice(0, 40)}" is not a role: use one of ${allowedRoles}`))
      : Either.right(role)
  }),
  Options.withDefault<Role>("ingest")
)

const tenantOption = Options.text("tenant").pipe(
  Options.withDescription(`the tenant the token belongs to (default ${DEFAULT_TENANT}): ${allowedTenants}`),
  Options.mapEffect((name) =>
    TENANT_PATTERN.test(name)
      ? Either.right(name)
      : Either.left(usage(`--tenant "${name.slice(0, 70)}" is not a tenant name: use ${allowedTenants}`))
  ),
  Options.withDefault(DEFAULT_TENANT)
)

const expiresAt = (spec: number | "never") =>
  Effect.map(Clock.currentTimeMillis, (now) => (spec === "never" ? null : new Date(now + spec)))

const scopeOf = (r: TokenRecord) => `${r.channel}/${r.provider}/${r.endpoint_identity}`

const printCreated = (secret: Redacted.Redacted<string>, record: TokenRecord, asJson: boolean) =>
  asJson
    ? Output.json({ token: Redacted.value(secret), ...record })
    : Console.log(
      [
        `created token ${record.id} (role ${record.role}, tenant ${record.tenant}, plan ${record.plan}, ` +
        `scope ${scopeOf(record)}, expires ${record.expires_at ?? "never"})`,
        record.replaces === null ? "" : `replaces ${record.replaces}`,
        "the token is shown once; store it now:",
        `  ${Redacted.value(secret)}`
      ].filter((l) => l !== "").join("\n")
    )

/** `token create` was given a scope no envelope can match. */
class TokenScopeInvalid extends Data.TaggedError("TokenScopeInvalid")<{ readonly message: string }> {}

const create = Command.make(
  "create",
  {
    channel: Options.text("channel").pipe(Options.withDescription("source channel the token may ingest for, or *")),
    provider: Options.text("provider").pipe(Options.withDescription("source provider, or *")),
    endpoint: Options.text("endpoint").pipe(Options.withDescription("endpoint identity, or *")),
    role: roleOption,
    tenant: tenantOption,
    plan: Options.choice("plan", Plan.literals).pipe(
      Options.withDefault("free" as const),
      Options.withDescription("outbound actions plan: free (1 successful call per action per UTC day) or pro (unlimited)")
    ),
    expiresIn: durationOption("expires-in", "lifetime: a number with s, m, h, d or w (90d, 12h), or never (default 90d)").pipe(
      Options.withDefault<number | "never">(90 * 86_400_000)
    ),
    replaces: Options.text("replaces").pipe(Options.optional, Options.withDescription("id of the token this one replaces (tk_…; recorded, the old one keeps working)")),
    label: Options.text("label").pipe(Options.optional, Options.withDescription("a note for people, shown by token list")),
    env: Options.text("env").pipe(Options.withDefault("live"), Options.withDescription("environment tag in the token prefix, sw_<env>_… (default live)")),
    json
  },
  (o) =>
    Effect.gen(function*() {
      const problem = scopeProblem(o.channel, o.provider)
      if (problem !== undefined) return yield* new TokenScopeInvalid({ message: problem })
      const tokens = yield* TokenStore
      const { record, secret } = yield* tokens.create({
        env: o.env,
        channel: o.channel,
        provider: o.provider,
        endpoint_identity: o.endpoint,
        role: o.role,
        tenant: o.tenant,
        plan: o.plan,
        label: Option.getOrNull(o.label),
        expires_at: yield* expiresAt(o.expiresIn),
        replaces: Option.getOrNull(o.replaces)
      })
      yield* printCreated(secret, record, o.json)
    })
).pipe(Command.withDescription(Help.describe("create a scoped API token; the secret is printed once", {
  details: ["The scope is channel/provider/endpoint: the token may ingest only envelopes from that source (* matches any)."],
  examples: [
    "switchboard token create --channel telegram --provider telegram --endpoint telegram:bot:1234",
    "switchboard token create --channel '*' --provider '*' --endpoint '*' --role admin --expires-in 30d --label ops --json"
  ]
})))

const list = Command.make("list", { json }, (o) =>
  Effect.gen(function*() {
    const records = yield* (yield* TokenStore).list
    if (o.json) return yield* Output.json(records)
    yield* Output.table(
      records.map((r) => ({
        id: r.id,
        status: r.status,
        role: r.role,
        tenant: r.tenant,
        plan: r.plan,
        scope: scopeOf(r),
        expires: r.expires_at ?? "never",
        replaces: r.replaces ?? "",
        label: r.label ?? ""
      })),
      ["id", "status", "role", "tenant", "plan", "scope", "expires", "replaces", "label"]
    )
  })).pipe(Command.withDescription(Help.describe("list tokens with their status, role, scope and expiry (never their secrets)", {
    examples: ["switchboard token list", "switchboard token list --json"]
  })))

const revoke = Command.make(
  "revoke",
  {
    id: Args.text({ name: "ID" }).pipe(Args.withDescription("token id (tk_…)")),
    reason: Options.text("reason").pipe(Options.withDescription("why it is revoked (kept with the token)")),
    json
  },
  (o) =>
    Effect.gen(function*() {
      const record = yield* (yield* TokenStore).revoke(o.id, o.reason)
      yield* o.json ? Output.json(record) : Console.log(`revoked ${record.id} at ${record.revoked_at}: ${record.revoked_reason}`)
    })
).pipe(Command.withDescription(Help.describe("revoke a token now; it answers 401 from then on", {
  examples: ["switchboard token revoke tk_0123456789ab --reason 'leaked in a CI log'"]
})))

const rotate = Command.make(
  "rotate",
  {
    id: Args.text({ name: "ID" }).pipe(Args.withDescription("token id to replace")),
    grace: durationOption("grace", "how long the old token keeps working (default 24h)").pipe(
      Options.withDefault<number | "never">(86_400_000)
    ),
    expiresIn: durationOption("expires-in", "lifetime of the new token (default: the old token's expiry)").pipe(
      Options.optional
    ),
    json
  },
  (o) =>
    Effect.gen(function*() {
      const graceMs = o.grace === "never" ? 100 * 365 * 86_400_000 : o.grace
      const expires = Option.isSome(o.expiresIn) ? yield* expiresAt(o.expiresIn.value) : undefined
      const { previous, record, secret } = yield* (yield* TokenStore).rotate(o.id, { graceMs, expires_at: expires })
      yield* printCreated(secret, record, o.json)
      if (!o.json) yield* Console.log(`${previous.id} keeps working until ${previous.expires_at}`)
    })
).pipe(Command.withDescription(Help.describe("replace a token with a new one of the same scope", {
  details: ["The old token keeps working for --grace, then expires."],
  examples: ["switchboard token rotate tk_0123456789ab", "switchboard token rotate tk_0123456789ab --grace 1h --expires-in 90d --json"]
})))

export const tokenCommand = Command.make("token").pipe(
  Command.withDescription(Help.describe("manage API tokens", {
    examples: ["switchboard token list", "switchboard token create --help"]
  })),
  Command.withSubcommands([create, list, revoke, rotate])
)
