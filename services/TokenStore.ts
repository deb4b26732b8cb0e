/** API tokens (DESIGN.md §5.6): scoped, role-bearing, expiring bearer tokens; only hashes are stored. */
import { Context, type Effect, type Redacted, Schema } from "effect"
import type { Unauthorized } from "../src/domain/Errors.js"
import { Plan, type Principal } from "../src/domain/Principal.js"
import { Role, Tenant } from "../src/domain/Roles.js"

export const TokenRecord = Schema.Struct({
  id: Schema.String,
  env: Schema.String,
  channel: Schema.String,
  provider: Schema.String,
  endpoint_identity: Schema.String,
  /** A role of the hub's model (Roles.ts); tokens stored as `read` before issue 11 read `viewer`. */
  role: Role,
  /** The tenant the token belongs to (`default` unless created with --tenant). */
  tenant: Tenant,
  /** Plan for outbound actions (free: 1 successful call per action per UTC day; pro: unlimited). */
  plan: Plan,
  label: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  expires_at: Schema.NullOr(Schema.String),
  revoked_at: Schema.NullOr(Schema.String),
  revoked_reason: Schema.NullOr(Schema.String),
  replaces: Schema.NullOr(Schema.String),
  /** active | expired | revoked, at the time of reading */
  status: Schema.Literal("active", "expired", "revoked")
}).annotations({ identifier: "TokenRecord" })
export type TokenRecord = typeof TokenRecord.Type

export interface NewToken {
  readonly env: string
  readonly channel: string
  readonly provider: string
  readonly endpoint_identity: string
  readonly role: Role
  /** Default `default`. */
  readonly tenant?: Tenant
  /** Default free. */
  readonly plan?: Plan
  readonly label: string | null
  readonly expires_at: Date | null
  readonly replaces: string | null
}

/** The token store could not be reached. */
export class TokenStoreUnavailable extends Schema.TaggedError<TokenStoreUnavailable>()("TokenStoreUnavailable", {
  message: Schema.String
}) {}

/** No token has this id. */
export class TokenNotFound extends Schema.TaggedError<TokenNotFound>()("TokenNotFound", {
  id: Schema.String
}) {
  override get message() {
    return `no token with id ${this.id} (see: switchboard token list)`
  }
}

/** The operation does not apply to the token in its current state (e.g. rotating a revoked token). */
export class TokenStateInvalid extends Schema.TaggedError<TokenStateInvalid>()("TokenStateInvalid", {
  id: Schema.String,
  message: Schema.String
}) {}

export interface TokenStoreService {
  /** Creates a token; the secret is returned once and never stored. */
  readonly create: (
    input: NewToken
  ) => Effect.Effect<
    { readonly secret: Redacted.Redacted<string>; readonly record: TokenRecord },
    TokenStoreUnavailable | TokenNotFound
  >
  /** Every token, newest first. */
  readonly list: Effect.Effect<ReadonlyArray<TokenRecord>, TokenStoreUnavailable>
  /** Revokes a token now; it answers 401 from then on. */
  readonly revoke: (id: string, reason: string) => Effect.Effect<TokenRecord, TokenStoreUnavailable | TokenNotFound>
  /** A new token with the same scope, role and tenant that `replaces` the old one; the old one expires after `grace`. */
  readonly rotate: (
    id: string,
    options: { readonly graceMs: number; readonly expires_at: Date | null | undefined }
  ) => Effect.Effect<
    { readonly secret: Redacted.Redacted<string>; readonly record: TokenRecord; readonly previous: TokenRecord },
    TokenStoreUnavailable | TokenNotFound | TokenStateInvalid
  >
  /** The principal of a presented token, or Unauthorized (unknown, revoked or expired). */
  readonly verify: (secret: Redacted.Redacted<string>) => Effect.Effect<Principal, Unauthorized | TokenStoreUnavailable>
}

export class TokenStore extends Context.Tag("switchboard/TokenStore")<TokenStore, TokenStoreService>() {}
