/**
 * ActionQuotaStore on Postgres. `begin` is one transaction: the key's row (if any) is read FOR UPDATE
 * first, then the usage row of (caller, action, day) is locked while live holds are counted, so
 * concurrent calls of one caller queue on that row and never exceed the limit; a key inserted by a
 * concurrent call rolls the whole transaction back (answered InProgress).
 */
import { PgClient } from "@effect/sql-pg"
import { Clock, Data, Effect, Layer } from "effect"
import {
  type Begin,
  type BeginInput,
  ActionQuotaStore,
  ActionQuotaUnavailable,
  type Settle,
  type UsageRow
} from "../../services/ActionQuotaStore.js"
import * as SqlFailure from "../Database/SqlFailure.js"
import * as GroupCount from "./GroupCount.js"

/** Idempotency keys answer repeats for this long. */
export const KEY_TTL_MS = 24 * 3_600_000

interface KeyRow {
  readonly action: string
  readonly request_hash: string
  readonly state: "pending" | "done"
  readonly answer: unknown
  readonly created_at: Date
  readonly lease_until: Date
}

/** Another call inserted the same key while this transaction ran: roll back, answer InProgress. */
class KeyRaced extends Data.TaggedError("KeyRaced")<{}> {}

export const make = Effect.gen(function*() {
  const sql = yield* PgClient.PgClient
  const guard = SqlFailure.guard((reason) => new ActionQuotaUnavailable({ message: reason }))
  const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

  /** The decision about an existing key, or undefined when it is absent or stale (and may be taken over). */
  const keyDecision = (row: KeyRow | undefined, input: BeginInput, at: Date): Begin | undefined => {
    if (row === undefined || input.key === null) return undefined
    if (row.created_at.getTime() <= at.getTime() - KEY_TTL_MS) return undefined
    if (row.state === "pending" && row.lease_until.getTime() <= at.getTime()) return undefined
    const same = row.request_hash === input.key.requestHash && row.action === input.action
    if (!same) return { _tag: "KeyReused" }
    return row.state === "done" ? { _tag: "Replay", answer: row.answer } : { _tag: "InProgress" }
  }

  const begin = (input: BeginInput) =>
    Effect.gen(function*() {
      const at = yield* now
      const leaseUntil = new Date(at.getTime() + input.leaseMs)
      if (input.key !== null) {
        const rows = yield* sql<KeyRow>`SELECT action, request_hash, state, answer, created_at, lease_until
          FROM action_idempotency WHERE caller = ${input.caller} AND key = ${input.key.value} FOR UPDATE`
        const decided = keyDecision(rows[0], input, at)
        if (decided !== undefined) return decided
      }
      let holdId: string | null = null
      if (input.limit !== null) {
        yield* sql`INSERT INTO action_quota_usage (caller, action, day, used)
          VALUES (${input.caller}, ${input.action}, ${input.day}, 0) ON CONFLICT DO NOTHING`
        const usage = yield* sql<{ readonly used: number }>`SELECT used FROM action_quota_usage
          WHERE caller = ${input.caller} AND action = ${input.action} AND day = ${input.day} FOR UPDATE`
        const held = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM action_quota_holds
          WHERE caller = ${input.caller} AND action = ${input.action} AND day = ${input.day} AND expires_at > ${at}`
        const used = (usage[0]?.used ?? 0) + (held[0]?.n ?? 0)
        if (used >= input.limit) return { _tag: "Limited", used, limit: input.limit } satisfies Begin
        holdId = globalThis.crypto.randomUUID()
        yield* sql`INSERT INTO action_quota_holds (id, caller, action, day, expires_at)
          VALUES (${holdId}, ${input.caller}, ${input.action}, ${input.day}, ${leaseUntil})`
      }
      if (input.key !== null) {
        const taken = yield* sql<{ readonly key: string }>`
          INSERT INTO action_idempotency (caller, key, action, request_hash, state, answer, created_at, lease_until)
          VALUES (${input.caller}, ${input.key.value}, ${input.action}, ${input.key.requestHash}, 'pending', NULL,
            ${at}, ${leaseUntil})
          ON CONFLICT (caller, key) DO UPDATE SET action = EXCLUDED.action, request_hash = EXCLUDED.request_hash,
            state = 'pending', answer = NULL, created_at = EXCLUDED.created_at, lease_until = EXCLUDED.lease_until
          WHERE action_idempotency.created_at <= ${new Date(at.getTime() - KEY_TTL_MS)}
            OR (action_idempotency.state = 'pending' AND action_idempotency.lease_until <= ${at})
          RETURNING key`
        if (taken.length === 0) return yield* new KeyRaced()
      }
      return { _tag: "Proceed", holdId } satisfies Begin
    }).pipe(
      sql.withTransaction,
      Effect.catchTag("KeyRaced", () => Effect.succeed<Begin>({ _tag: "InProgress" })),
      guard
    )

  const dropHold = (holdId: string | null) =>
    holdId === null ? Effect.void : sql`DELETE FROM action_quota_holds WHERE id = ${holdId}`

  /** Adds counted calls, one row per (caller, action, day): one statement for a whole group. */
  const addUsage = (counts: ReadonlyArray<{ readonly caller: string; readonly action: string; readonly day: string; readonly n: number }>) =>
    sql`INSERT INTO action_quota_usage (caller, action, day, used)
      SELECT * FROM unnest(${counts.map((c) => c.caller)}::text[], ${counts.map((c) => c.action)}::text[],
        ${counts.map((c) => c.day)}::date[], ${counts.map((c) => c.n)}::int[])
      ON CONFLICT (caller, action, day) DO UPDATE SET used = action_quota_usage.used + EXCLUDED.used`

  // Calls without a hold or a key (pro plan) are counted in groups: concurrent successes share a statement.
  const countGroup = yield* GroupCount.make((group: ReadonlyArray<Settle>) => {
    const byRow = new Map<string, { caller: string; action: string; day: string; n: number }>()
    for (const s of group) {
      const id = `${s.caller}\u0000${s.action}\u0000${s.day}`
      const row = byRow.get(id)
      if (row === undefined) byRow.set(id, { caller: s.caller, action: s.action, day: s.day, n: 1 })
      else row.n++
    }
    return addUsage([...byRow.values()]).pipe(Effect.asVoid, guard)
  })

  const succeed = (s: Settle, answer: unknown) => {
    if (s.holdId === null && s.key === null) return countGroup(s)
    return Effect.gen(function*() {
      yield* addUsage([{ caller: s.caller, action: s.action, day: s.day, n: 1 }])
      yield* dropHold(s.holdId)
      if (s.key !== null) {
        yield* sql`UPDATE action_idempotency SET state = 'done', answer = ${sql.json(answer)}
          WHERE caller = ${s.caller} AND key = ${s.key}`
      }
    }).pipe(sql.withTransaction, guard)
  }

  const release = (s: Settle) =>
    Effect.gen(function*() {
      yield* dropHold(s.holdId)
      if (s.key !== null) {
        yield* sql`DELETE FROM action_idempotency WHERE caller = ${s.caller} AND key = ${s.key} AND state = 'pending'`
      }
    }).pipe(sql.withTransaction, guard)

  const usage = (caller: string, fromDay: string) =>
    sql<UsageRow>`SELECT action, to_char(day, 'YYYY-MM-DD') AS day, used FROM action_quota_usage
      WHERE caller = ${caller} AND day >= ${fromDay} AND used > 0 ORDER BY day, action`.pipe(guard)

  const owner = (tokenId: string) =>
    Effect.gen(function*() {
      const at = yield* now
      const rows = yield* sql<{ readonly plan: string; readonly role: string; readonly active: boolean }>`
        SELECT plan, role, (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${at})) AS active
        FROM api_tokens WHERE id = ${tokenId}`
      return rows[0] ?? null
    }).pipe(guard)

  const prune = (keepDays: number) =>
    Effect.gen(function*() {
      const at = yield* now
      const counts = yield* Effect.all([
        sql<{ readonly n: number }>`WITH d AS (DELETE FROM action_quota_holds WHERE expires_at <= ${at} RETURNING 1)
          SELECT count(*)::int AS n FROM d`,
        sql<{ readonly n: number }>`WITH d AS (DELETE FROM action_idempotency
            WHERE created_at <= ${new Date(at.getTime() - KEY_TTL_MS)} RETURNING 1) SELECT count(*)::int AS n FROM d`,
        sql<{ readonly n: number }>`WITH d AS (DELETE FROM action_quota_usage
            WHERE day < (${at}::timestamptz AT TIME ZONE 'UTC')::date - ${keepDays}::int RETURNING 1)
          SELECT count(*)::int AS n FROM d`
      ])
      return counts.reduce((sum, rows) => sum + (rows[0]?.n ?? 0), 0)
    }).pipe(guard)

  return ActionQuotaStore.of({ begin, succeed, release, usage, owner, prune })
})

export const layer = Layer.scoped(ActionQuotaStore, make)
