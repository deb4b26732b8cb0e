/** ActionTargets on Postgres: rows of `delivery_targets` with an action, a template and an owner token. */
import { PgClient } from "@effect/sql-pg"
import { Clock, Effect, Either, Layer } from "effect"
import { isActionName, actionNames } from "../../src/domain/ActionCatalog.js"
import * as Permissions from "../../src/domain/Permissions.js"
import * as Template from "../../src/actions/Template.js"
import * as Validate from "../../src/routing/Validate.js"
import { ActionTargets, type NewActionTarget } from "../../services/ActionTargets.js"
import {
  RoutingInputInvalid,
  RoutingStoreUnavailable,
  TargetExists,
  type TargetRecord
} from "../../services/RoutingStore.js"
import * as SqlFailure from "../Database/SqlFailure.js"

interface Row {
  readonly name: string
  readonly action: string
  readonly owner_token_id: string
  readonly created_at: Date
  readonly removed_at: Date | null
  readonly paused_at?: Date | null
}

export const toRecord = (r: Row): TargetRecord => ({
  name: r.name,
  url: `action:${r.action}`,
  secret_fingerprint: `owner ${r.owner_token_id}`,
  created_at: r.created_at.toISOString(),
  removed_at: r.removed_at === null ? null : r.removed_at.toISOString(),
  paused_at: r.paused_at === null || r.paused_at === undefined ? null : r.paused_at.toISOString()
})

const invalid = (message: string) => new RoutingInputInvalid({ message })

export const make = Effect.gen(function*() {
  const sql = yield* PgClient.PgClient
  const guard = SqlFailure.guard((reason) => new RoutingStoreUnavailable({ message: reason }))

  const checkOwner = (owner: string) =>
    Effect.gen(function*() {
      if (!/^tk_[0-9a-f]{12}$/.test(owner)) return yield* invalid(`--owner must be a token id such as tk_0123456789ab (see: switchboard token list)`)
      const now = new Date(yield* Clock.currentTimeMillis)
      const rows = yield* sql<{ readonly role: string; readonly active: boolean }>`
        SELECT role, (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${now})) AS active
        FROM api_tokens WHERE id = ${owner}`.pipe(guard)
      const token = rows[0]
      if (token === undefined) return yield* invalid(`--owner ${owner}: no such token (see: switchboard token list)`)
      if (!token.active) return yield* invalid(`--owner ${owner}: the token is revoked or expired`)
      if (!Permissions.allows(token.role, "actions.invoke")) {
        return yield* invalid(`--owner ${owner}: the token has role ${token.role}; an action target's owner needs role actions or admin`)
      }
    })

  const add = (input: NewActionTarget) =>
    Effect.gen(function*() {
      const name = yield* Either.mapLeft(Validate.targetName(input.name), invalid)
      if (!isActionName(input.action)) {
        return yield* invalid(`--action "${input.action.slice(0, 40)}" is not an action (one of ${actionNames.join(", ")})`)
      }
      const template = yield* Either.mapLeft(Template.parse(input.action, input.template), invalid)
      yield* checkOwner(input.owner)
      const now = new Date(yield* Clock.currentTimeMillis)
      const rows = yield* sql<Row>`
        INSERT INTO delivery_targets (name, url, secret, action, template, owner_token_id, created_at, removed_at)
        VALUES (${name}, NULL, NULL, ${input.action}, ${sql.json(template)}, ${input.owner}, ${now}, NULL)
        ON CONFLICT (name) DO UPDATE SET url = NULL, secret = NULL, action = EXCLUDED.action,
          template = EXCLUDED.template, owner_token_id = EXCLUDED.owner_token_id,
          created_at = EXCLUDED.created_at, removed_at = NULL, paused_at = NULL
        WHERE delivery_targets.removed_at IS NOT NULL
        RETURNING name, action, owner_token_id, created_at, removed_at, paused_at`.pipe(guard)
      const row = rows[0]
      return row === undefined
        ? yield* new TargetExists({ name, message: `a target named "${name}" already exists (remove it first)` })
        : toRecord(row)
    })

  return ActionTargets.of({ add })
})

export const layer = Layer.effect(ActionTargets, make)
