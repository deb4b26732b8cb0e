/** TokenStore on Postgres (`api_tokens`). */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Redacted } from "effect"
import { Unauthorized } from "../../src/domain/Errors.js"
import type { Plan, Principal } from "../../src/domain/Principal.js"
import { DEFAULT_TENANT, type Role, roles } from "../../src/domain/Roles.js"
import * as Token from "../../src/domain/Token.js"
import {
  type NewToken,
  TokenNotFound,
  type TokenRecord,
  TokenStateInvalid,
  TokenStore,
  TokenStoreUnavailable
} from "../../services/TokenStore.js"
import * as SqlFailure from "../Database/SqlFailure.js"

interface TokenRow {
  readonly id: string
  readonly token_hash: string
  readonly env: string
  readonly channel: string
  readonly provider: string
  readonly endpoint_identity: string
  /** One of Roles.roles: the table's CHECK (migration 0061) admits nothing else. */
  readonly role: Role
  readonly tenant: string
  readonly plan: Plan
  readonly label: string | null
  readonly created_at: Date
  readonly expires_at: Date | null
  readonly revoked_at: Date | null
  readonly revoked_reason: string | null
  readonly replaces: string | null
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString())

export const toRecord = (row: TokenRow, nowMs: number): TokenRecord => ({
  id: row.id,
  env: row.env,
  channel: row.channel,
  provider: row.provider,
  endpoint_identity: row.endpoint_identity,
  role: row.role,
  tenant: row.tenant,
  plan: row.plan,
  label: row.label,
  created_at: row.created_at.toISOString(),
  expires_at: iso(row.expires_at),
  revoked_at: iso(row.revoked_at),
  revoked_reason: row.revoked_reason,
  replaces: row.replaces,
  status: row.revoked_at !== null
    ? "revoked"
    : row.expires_at !== null && row.expires_at.getTime() <= nowMs
    ? "expired"
    : "active"
})

const unauthorized = (message: string) => new Unauthorized({ message })

/** How long a verified token is trusted without asking the database again. */
export const VERIFIED_TTL_MS = 1_000
const VERIFIED_MAX = 10_000

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const guard = SqlFailure.guard((reason) => new TokenStoreUnavailable({ message: reason }))

  const byId = (id: string) =>
    sql<TokenRow>`SELECT * FROM api_tokens WHERE id = ${id}`.pipe(
      guard,
      Effect.flatMap((rows) => (rows[0] === undefined ? Effect.fail(new TokenNotFound({ id })) : Effect.succeed(rows[0])))
    )

  const create = (input: NewToken) =>
    Effect.gen(function*() {
      if (input.replaces !== null) yield* byId(input.replaces)
      const now = new Date(yield* Clock.currentTimeMillis)
      const secret = Token.generateSecret(input.env)
      const rows = yield* sql<TokenRow>`INSERT INTO api_tokens ${
        sql.insert({
          id: Token.generateId(),
          token_hash: Token.hashOf(secret),
          env: input.env,
          channel: input.channel,
          provider: input.provider,
          endpoint_identity: input.endpoint_identity,
          role: input.role,
          tenant: input.tenant ?? DEFAULT_TENANT,
          plan: input.plan ?? "free",
          label: input.label,
          created_at: now,
          expires_at: input.expires_at,
          replaces: input.replaces
        })
      } RETURNING *`.pipe(guard)
      return { secret, record: toRecord(rows[0]!, now.getTime()) }
    })

  const list = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const rows = yield* sql<TokenRow>`SELECT * FROM api_tokens ORDER BY created_at DESC, id`.pipe(guard)
    return rows.map((r) => toRecord(r, now))
  })

  const revoke = (id: string, reason: string) =>
    Effect.gen(function*() {
      yield* byId(id)
      const now = new Date(yield* Clock.currentTimeMillis)
      const rows = yield* sql<TokenRow>`
        UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ${now}), revoked_reason = COALESCE(revoked_reason, ${reason})
        WHERE id = ${id} RETURNING *`.pipe(guard)
      return toRecord(rows[0]!, now.getTime())
    })

  const rotate = (id: string, options: { readonly graceMs: number; readonly expires_at: Date | null | undefined }) =>
    Effect.gen(function*() {
      const old = yield* byId(id)
      const nowMs = yield* Clock.currentTimeMillis
      const current = toRecord(old, nowMs)
      if (current.status !== "active") {
        return yield* new TokenStateInvalid({ id, message: `token ${id} is ${current.status} and cannot be rotated` })
      }
      const created = yield* create({
        env: old.env,
        channel: old.channel,
        provider: old.provider,
        endpoint_identity: old.endpoint_identity,
        role: old.role,
        tenant: old.tenant,
        plan: old.plan,
        label: old.label,
        expires_at: options.expires_at === undefined ? old.expires_at : options.expires_at,
        replaces: id
      })
      const graceEnd = new Date(nowMs + options.graceMs)
      const rows = yield* sql<TokenRow>`
        UPDATE api_tokens SET expires_at = LEAST(COALESCE(expires_at, ${graceEnd}), ${graceEnd})
        WHERE id = ${id} RETURNING *`.pipe(guard)
      return { ...created, previous: toRecord(rows[0]!, nowMs) }
    })

  /**
   * Verified tokens are remembered for VERIFIED_TTL_MS (by hash, never the secret), so a busy
   * connector does not cost a query per request; expiry is still checked on every use. A revoke
   * therefore takes effect within VERIFIED_TTL_MS in every hub.
   */
  const verified = new Map<string, { readonly row: TokenRow; readonly checkedAt: number }>()

  const principalOf = (row: TokenRow, now: number): Effect.Effect<Principal, Unauthorized> => {
    // The CHECK admits only known roles; an unknown one (a hand-edited row) is refused, never guessed.
    if (!(roles as ReadonlyArray<string>).includes(row.role)) return Effect.fail(unauthorized(`token ${row.id} has an unknown role`))
    if (row.revoked_at !== null) return Effect.fail(unauthorized(`token ${row.id} was revoked`))
    if (row.expires_at !== null && row.expires_at.getTime() <= now) {
      return Effect.fail(unauthorized(`token ${row.id} expired at ${row.expires_at.toISOString()}`))
    }
    return Effect.succeed({
      token_id: row.id,
      channel: row.channel,
      provider: row.provider,
      endpoint_identity: row.endpoint_identity,
      role: row.role,
      tenant: row.tenant,
      plan: row.plan
    })
  }

  const verify = (secret: Redacted.Redacted<string>) =>
    Effect.gen(function*() {
      if (!Token.looksLikeToken(secret)) return yield* unauthorized("invalid token")
      const hash = Token.hashOf(secret)
      const now = yield* Clock.currentTimeMillis
      const cached = verified.get(hash)
      if (cached !== undefined && now - cached.checkedAt < VERIFIED_TTL_MS) return yield* principalOf(cached.row, now)
      const rows = yield* sql<TokenRow>`SELECT * FROM api_tokens WHERE token_hash = ${hash}`.pipe(guard)
      const row = rows[0]
      if (row === undefined || !Token.sameHash(row.token_hash, hash)) return yield* unauthorized("invalid token")
      if (verified.size >= VERIFIED_MAX) verified.clear()
      verified.set(hash, { row, checkedAt: now })
      return yield* principalOf(row, now)
    })

  return TokenStore.of({ create, list, revoke, rotate, verify })
})

export const layer = Layer.effect(TokenStore, make)
