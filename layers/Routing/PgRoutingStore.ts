/** RoutingStore on Postgres (`delivery_targets`, `routing_rules`). */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Either, Layer, Redacted } from "effect"
import * as Signature from "../../src/delivery/Signature.js"
import type { RuleSpec } from "../../src/domain/RoutingRules.js"
import * as Validate from "../../src/routing/Validate.js"
import {
  type NewRule,
  type NewTarget,
  type RuleRecord,
  RuleNotFound,
  RoutingInputInvalid,
  RoutingStore,
  RoutingStoreUnavailable,
  TargetExists,
  TargetNotFound,
  type TargetRecord
} from "../../services/RoutingStore.js"
import * as PgActionTargets from "../Actions/PgActionTargets.js"
import * as SqlFailure from "../Database/SqlFailure.js"

interface TargetRow {
  readonly name: string
  /** null for an action target (issue 10), which has action and owner_token_id instead. */
  readonly url: string | null
  readonly secret: string | null
  readonly action: string | null
  readonly owner_token_id: string | null
  readonly created_at: Date
  readonly removed_at: Date | null
  readonly paused_at: Date | null
}

interface RuleRow extends Omit<RuleSpec, "id"> {
  readonly id: string
  readonly created_at: Date
}

const toTarget = (r: TargetRow): TargetRecord =>
  r.url === null || r.secret === null
    ? PgActionTargets.toRecord({ ...r, action: r.action ?? "unknown", owner_token_id: r.owner_token_id ?? "unknown" })
    : {
      name: r.name,
      url: Validate.displayUrl(r.url),
      secret_fingerprint: Signature.fingerprint(Redacted.make(r.secret)),
      created_at: r.created_at.toISOString(),
      removed_at: r.removed_at === null ? null : r.removed_at.toISOString(),
      paused_at: r.paused_at === null ? null : r.paused_at.toISOString()
    }

const toRule = (r: RuleRow): RuleRecord => ({
  id: String(r.id),
  priority: r.priority,
  channel: r.channel,
  provider: r.provider,
  endpoint_identity: r.endpoint_identity,
  sender_identity: r.sender_identity,
  text_pattern: r.text_pattern,
  ignore_case: r.ignore_case,
  stop: r.stop,
  target: r.target,
  created_at: r.created_at.toISOString()
})

const invalid = <A>(e: Either.Either<A, string>) =>
  Either.match(e, { onLeft: (message) => Effect.fail(new RoutingInputInvalid({ message })), onRight: Effect.succeed })

const targetNotFound = (name: string) => new TargetNotFound({ name, message: `no target named "${name}"` })

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const guard = SqlFailure.guard((reason) => new RoutingStoreUnavailable({ message: reason }))
  const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

  const addTarget = (input: NewTarget) =>
    Effect.gen(function*() {
      const name = yield* invalid(Validate.targetName(input.name))
      const url = yield* invalid(Validate.targetUrl(input.url))
      yield* invalid(Signature.validateSecret(Redacted.value(input.secret)))
      const rows = yield* sql<TargetRow>`
        INSERT INTO delivery_targets ${
        sql.insert({ name, url, secret: Redacted.value(input.secret), created_at: yield* now, removed_at: null })
      }
        ON CONFLICT (name) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret,
          action = NULL, template = NULL, owner_token_id = NULL,
          created_at = EXCLUDED.created_at, removed_at = NULL, paused_at = NULL
        WHERE delivery_targets.removed_at IS NOT NULL
        RETURNING *`.pipe(guard)
      const row = rows[0]
      return row === undefined
        ? yield* new TargetExists({ name, message: `a target named "${name}" already exists (remove it first)` })
        : toTarget(row)
    })

  const listTargets = (includeRemoved: boolean) =>
    sql<TargetRow>`SELECT * FROM delivery_targets
      WHERE ${includeRemoved ? sql`true` : sql`removed_at IS NULL`} ORDER BY name`.pipe(
      Effect.map((rows) => rows.map(toTarget)),
      guard
    )

  const removeTarget = (name: string) =>
    Effect.gen(function*() {
      const at = yield* now
      const { rows, rules } = yield* Effect.all({
        rules: sql<{ readonly n: number }>`
          WITH gone AS (DELETE FROM routing_rules WHERE target = ${name}
            AND EXISTS (SELECT 1 FROM delivery_targets WHERE name = ${name} AND removed_at IS NULL) RETURNING 1)
          SELECT count(*)::int AS n FROM gone`,
        rows: sql<TargetRow>`UPDATE delivery_targets SET removed_at = ${at}
          WHERE name = ${name} AND removed_at IS NULL RETURNING *`
      }).pipe(
        // Deliveries held by a pause (next_attempt_at 'infinity') are due again, so the worker dead-letters
        // them as it does every delivery of a removed target; the target row is updated first, as pause does.
        Effect.tap(({ rows }) =>
          rows.length === 0 ? Effect.void : sql`UPDATE delivery_outbox SET next_attempt_at = ${at}
            WHERE target = ${name} AND status = 'pending' AND next_attempt_at = 'infinity'`
        ),
        sql.withTransaction,
        guard
      )
      const row = rows[0]
      return row === undefined
        ? yield* Effect.fail(targetNotFound(name))
        : { target: toTarget(row), rulesRemoved: rules[0]?.n ?? 0 }
    })

  const addRule = (input: NewRule) =>
    Effect.gen(function*() {
      const rule = yield* invalid(Validate.rule(input))
      const rows = yield* sql<RuleRow>`
        INSERT INTO routing_rules (priority, channel, provider, endpoint_identity, sender_identity,
          text_pattern, ignore_case, stop, target, created_at)
        SELECT ${rule.priority}, ${rule.channel}, ${rule.provider}, ${rule.endpoint_identity}, ${rule.sender_identity},
          ${rule.text_pattern}, ${rule.ignore_case}, ${rule.stop}, name, ${yield* now}
        FROM delivery_targets WHERE name = ${rule.target} AND removed_at IS NULL
        RETURNING *`.pipe(guard)
      const row = rows[0]
      return row === undefined ? yield* Effect.fail(targetNotFound(rule.target)) : toRule(row)
    })

  const rules = sql<RuleRow>`SELECT * FROM routing_rules ORDER BY priority, id`

  const listRules = rules.pipe(Effect.map((rows) => rows.map(toRule)), guard)

  const removeRule = (id: string) =>
    Effect.gen(function*() {
      const notFound = new RuleNotFound({ id, message: `no route with id "${id}"` })
      if (!/^\d{1,18}$/.test(id)) return yield* Effect.fail(notFound)
      const rows = yield* sql<RuleRow>`DELETE FROM routing_rules WHERE id = ${id} RETURNING *`.pipe(guard)
      return rows[0] === undefined ? yield* Effect.fail(notFound) : toRule(rows[0])
    })

  const snapshot = Effect.all({
    targets: sql<{ readonly name: string }>`SELECT name FROM delivery_targets WHERE removed_at IS NULL`,
    rules
  }).pipe(
    Effect.map(({ rules, targets }) => ({
      targets: targets.map((t) => t.name),
      rules: rules.map((r): RuleSpec => ({ ...r, id: String(r.id) }))
    })),
    guard
  )

  const updateTarget = (name: string, change: { readonly url?: string; readonly secret?: Redacted.Redacted<string> }) =>
    Effect.gen(function*() {
      const url = change.url === undefined ? null : yield* invalid(Validate.targetUrl(change.url))
      const secret = change.secret === undefined ? null : Redacted.value(yield* invalid(Signature.validateSecret(Redacted.value(change.secret))))
      const rows = yield* sql<TargetRow & { readonly is_action: boolean }>`
        UPDATE delivery_targets SET url = COALESCE(${url}, url), secret = COALESCE(${secret}, secret)
        WHERE name = ${name} AND removed_at IS NULL AND action IS NULL
        RETURNING *`.pipe(guard)
      const row = rows[0]
      if (row !== undefined) return toTarget(row)
      const action = yield* sql<{ readonly name: string }>`
        SELECT name FROM delivery_targets WHERE name = ${name} AND removed_at IS NULL AND action IS NOT NULL`.pipe(guard)
      return yield* action.length > 0
        ? new RoutingInputInvalid({ message: `target "${name}" is an action target: it has no URL or signing secret to change` })
        : targetNotFound(name)
    })

  const updateRule = (id: string, change: Partial<NewRule>) =>
    Effect.gen(function*() {
      const notFound = new RuleNotFound({ id, message: `no route with id "${id}"` })
      if (!/^\d{1,18}$/.test(id)) return yield* Effect.fail(notFound)
      return yield* Effect.gen(function*() {
        const current = yield* sql<RuleRow>`SELECT * FROM routing_rules WHERE id = ${id} FOR UPDATE`
        const row = current[0]
        if (row === undefined) return yield* Effect.fail(notFound)
        const { created_at: _, id: __, ...fields } = row
        const rule = yield* invalid(Validate.rule({ ...fields, ...change }))
        const rows = yield* sql<RuleRow>`
          UPDATE routing_rules SET priority = ${rule.priority}, channel = ${rule.channel}, provider = ${rule.provider},
            endpoint_identity = ${rule.endpoint_identity}, sender_identity = ${rule.sender_identity},
            text_pattern = ${rule.text_pattern}, ignore_case = ${rule.ignore_case}, stop = ${rule.stop}, target = t.name
          FROM delivery_targets t
          WHERE routing_rules.id = ${id} AND t.name = ${rule.target} AND t.removed_at IS NULL
          RETURNING routing_rules.*`
        return rows[0] === undefined ? yield* Effect.fail(targetNotFound(rule.target)) : toRule(rows[0])
      }).pipe(sql.withTransaction, guard)
    })

  return RoutingStore.of({
    addTarget, listTargets, removeTarget, addRule, listRules, removeRule, snapshot, updateTarget, updateRule
  })
})

export const layer = Layer.effect(RoutingStore, make)
