/**
 * DeliveryStore on Postgres. Claims are short leases taken with `FOR UPDATE SKIP LOCKED` (no
 * transaction stays open during an HTTP call); outcomes are fenced by the claim token. Every write
 * that changes an outbox row's status first locks its inbox row, so the recomputed
 * lifecycle_state / dispatch_outcomes always see every committed outcome of that request.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Redacted } from "effect"
import {
  type ClaimedDelivery,
  type CompletedAttempt,
  DeadLetterNotFound,
  type DeadLetterRecord,
  DeliveryStore,
  DeliveryStoreUnavailable,
  type RecordedAttempt,
  type ReplayResult
} from "../../services/DeliveryStore.js"
import * as WebhookId from "../../src/delivery/WebhookId.js"
import type { InboxRecord } from "../../services/InboxStore.js"
import { TargetNotFound } from "../../services/RoutingStore.js"
import * as SqlFailure from "../Database/SqlFailure.js"

interface ClaimRow extends InboxRecord {
  readonly target: string
  readonly attempts: number
  readonly url: string | null
  readonly secret: string | null
  readonly target_removed_at: Date | null
  readonly target_action: string | null
  readonly target_template: unknown
  readonly target_owner: string | null
}

interface DeadLetterRow {
  readonly id: string
  readonly request_id: string
  readonly target: string
  readonly webhook_id: string
  readonly attempts: number
  readonly last_status: number | null
  readonly last_error: string
  readonly dead_at: Date
  readonly replayed_at: Date | null
}

const toDeadLetter = (r: DeadLetterRow): DeadLetterRecord => ({
  ...r,
  id: String(r.id),
  dead_at: r.dead_at.toISOString(),
  replayed_at: r.replayed_at === null ? null : r.replayed_at.toISOString()
})

const statusOf = (a: CompletedAttempt) =>
  a.result._tag === "Delivered" ? "delivered" : a.result._tag === "Retry" ? "pending" : "dead_lettered"

const targetGone = (name: string) =>
  new TargetNotFound({ name, message: `no target named "${name}" (removed?); add it again before replaying its dead letters` })

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const guard = SqlFailure.guard((reason) => new DeliveryStoreUnavailable({ message: reason }))
  const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

  const lockInbox = (ids: ReadonlyArray<string>) =>
    sql`SELECT 1 FROM message_inbox WHERE request_id = ANY(${[...ids].sort()}::uuid[])
      ORDER BY request_id FOR UPDATE`

  /** Rebuilds lifecycle_state and dispatch_outcomes of requests from their outbox rows. */
  const recomputeInbox = (ids: ReadonlyArray<string>) =>
    sql`UPDATE message_inbox m SET dispatch_outcomes = s.outcomes, lifecycle_state = s.state
      FROM (
        SELECT request_id,
          jsonb_agg(jsonb_build_object('target', target, 'status', status, 'attempts', attempts,
            'last_error', last_error, 'delivered_at', delivered_at) ORDER BY target COLLATE "C") AS outcomes,
          CASE WHEN bool_or(status = 'pending') THEN 'routed'
               WHEN bool_and(status = 'delivered') THEN 'delivered'
               WHEN bool_or(status = 'delivered') THEN 'partially_failed'
               ELSE 'dead_lettered' END AS state
        FROM delivery_outbox WHERE request_id = ANY(${ids}::uuid[]) GROUP BY request_id
      ) s
      WHERE m.request_id = s.request_id`

  const claim = (options: { readonly limit: number; readonly leaseMs: number; readonly workerId: string }) =>
    Effect.gen(function*() {
      const at = yield* now
      const token = globalThis.crypto.randomUUID()
      // The thread check runs on a bounded window of the oldest due rows (not on the whole backlog), so a
      // claim costs the same whatever the outbox size or the table statistics.
      const rows = yield* sql<ClaimRow>`
        WITH candidates AS (
          SELECT request_id, target, next_attempt_at FROM delivery_outbox
          WHERE status = 'pending' AND next_attempt_at <= ${at}
            AND (claimed_until IS NULL OR claimed_until <= ${at})
          ORDER BY next_attempt_at, request_id
          LIMIT ${Math.max(256, 4 * options.limit)}
        ), due AS (
          SELECT o.request_id, o.target FROM candidates c
          JOIN delivery_outbox o ON o.request_id = c.request_id AND o.target = c.target
          WHERE o.status = 'pending' AND (o.claimed_until IS NULL OR o.claimed_until <= ${at})
            AND NOT EXISTS (
              SELECT 1 FROM delivery_outbox e
              WHERE e.status = 'pending' AND e.target = o.target AND e.thread_key = o.thread_key
                AND e.request_id < o.request_id)
          ORDER BY c.next_attempt_at, c.request_id
          LIMIT ${options.limit}
          FOR UPDATE OF o SKIP LOCKED
        ), claimed AS (
          UPDATE delivery_outbox o
          SET claimed_until = ${new Date(at.getTime() + options.leaseMs)}, claim_token = ${token},
            claimed_by = ${options.workerId}
          FROM due WHERE o.request_id = due.request_id AND o.target = due.target
          RETURNING o.request_id, o.target, o.attempts
        )
        SELECT c.target, c.attempts, t.url, t.secret, t.removed_at AS target_removed_at,
          t.action AS target_action, t.template AS target_template, t.owner_token_id AS target_owner, m.*
        FROM claimed c
        JOIN message_inbox m ON m.request_id = c.request_id
        LEFT JOIN delivery_targets t ON t.name = c.target`.pipe(guard)
      return rows.map((r): ClaimedDelivery => {
        const { attempts, secret, target, target_action, target_owner, target_removed_at, target_template, url, ...request } = r
        const action = target_action !== null && target_owner !== null && target_removed_at === null
          ? { action: { name: target_action, template: target_template, owner: target_owner } }
          : {}
        return {
          ...action,
          request_id: r.request_id,
          target,
          paused: false,
          webhook_id: WebhookId.of(r.request_id, target),
          attempts,
          claim_token: token,
          endpoint: url === null || secret === null || target_removed_at !== null
            ? null
            : { url, secret: Redacted.make(secret) },
          request
        }
      })
    })

  const complete = (attempts: ReadonlyArray<CompletedAttempt>) =>
    Effect.gen(function*() {
      if (attempts.length === 0) return []
      const ids = [...new Set(attempts.map((a) => a.request_id))]
      const column = <A>(f: (a: CompletedAttempt) => A) => attempts.map(f)
      return yield* Effect.gen(function*() {
        yield* lockInbox(ids)
        const recorded = yield* sql<RecordedAttempt>`
          WITH v AS (
            SELECT * FROM unnest(
              ${column((a) => a.request_id)}::uuid[], ${column((a) => a.target)}::text[],
              ${column((a) => a.claim_token)}::uuid[], ${column(statusOf)}::text[],
              ${column((a) => a.attempts)}::int[],
              ${column((a) => (a.result._tag === "Retry" ? a.result.next_attempt_at.toISOString() : null))}::timestamptz[],
              ${column((a) => a.result.status)}::int[],
              ${column((a) => (a.result._tag === "Delivered" ? null : a.result.error))}::text[],
              ${column((a) => a.attempted_at.toISOString())}::timestamptz[],
              ${column((a) => WebhookId.of(a.request_id, a.target))}::text[]
            ) AS v (request_id, target, claim_token, status, attempts, next_attempt_at, last_status, last_error, at,
              webhook_id)
          ), upd AS (
            UPDATE delivery_outbox o SET status = v.status, attempts = v.attempts,
              next_attempt_at = COALESCE(v.next_attempt_at, o.next_attempt_at),
              last_status = v.last_status, last_error = v.last_error, last_attempt_at = v.at,
              delivered_at = CASE WHEN v.status = 'delivered' THEN v.at ELSE o.delivered_at END,
              claimed_until = NULL, claim_token = NULL
            FROM v
            WHERE o.request_id = v.request_id AND o.target = v.target AND o.claim_token = v.claim_token
            RETURNING o.request_id, o.target, o.status, o.attempts, o.last_status, o.last_error, o.last_attempt_at
          ), dead AS (
            INSERT INTO dead_letters (request_id, target, webhook_id, attempts, last_status, last_error, dead_at)
            SELECT upd.request_id, upd.target, v.webhook_id, upd.attempts, upd.last_status, upd.last_error,
              upd.last_attempt_at
            FROM upd JOIN v ON v.request_id = upd.request_id AND v.target = upd.target
            WHERE upd.status = 'dead_lettered'
          )
          SELECT upd.request_id, upd.target, upd.status, m.received_at
          FROM upd JOIN message_inbox m ON m.request_id = upd.request_id`
        yield* recomputeInbox(ids)
        return recorded
      }).pipe(sql.withTransaction, guard)
    })

  // No inbox lock: the row stays pending, so lifecycle_state and dispatch_outcomes do not change.
  const postpone = (
    rows: ReadonlyArray<{ readonly request_id: string; readonly target: string; readonly claim_token: string }>,
    until: Date
  ) =>
    rows.length === 0 ? Effect.succeed(0) : sql<{ readonly request_id: string }>`
      UPDATE delivery_outbox o SET next_attempt_at = ${until}, claimed_until = NULL, claim_token = NULL
      FROM unnest(${rows.map((r) => r.request_id)}::uuid[], ${rows.map((r) => r.target)}::text[],
        ${rows.map((r) => r.claim_token)}::uuid[]) AS v (request_id, target, claim_token)
      WHERE o.request_id = v.request_id AND o.target = v.target AND o.claim_token = v.claim_token
        AND o.status = 'pending'
      RETURNING o.request_id`.pipe(Effect.map((updated) => updated.length), guard)

  const listDeadLetters = (filter: { readonly target: string | null; readonly since: Date | null }) =>
    sql<DeadLetterRow>`SELECT * FROM dead_letters
      WHERE ${filter.target === null ? sql`true` : sql`target = ${filter.target}`}
        AND ${filter.since === null ? sql`true` : sql`dead_at >= ${filter.since}`}
      ORDER BY dead_at DESC, id DESC`.pipe(Effect.map((rows) => rows.map(toDeadLetter)), guard)

  /** Makes the letters' outbox rows pending again (same webhook-id, a fresh attempt budget). */
  const reopen = (letters: ReadonlyArray<{ readonly id: string; readonly request_id: string; readonly target: string }>) =>
    Effect.gen(function*() {
      if (letters.length === 0) return
      const at = yield* now
      const ids = [...new Set(letters.map((l) => l.request_id))]
      yield* lockInbox(ids)
      yield* sql`UPDATE dead_letters SET replayed_at = ${at} WHERE id = ANY(${letters.map((l) => l.id)}::bigint[])`
      yield* sql`UPDATE delivery_outbox o SET status = 'pending', attempts = 0, next_attempt_at = ${at},
          claimed_until = NULL, claim_token = NULL, last_status = NULL, last_error = NULL
        FROM unnest(${letters.map((l) => l.request_id)}::uuid[], ${letters.map((l) => l.target)}::text[])
          AS l (request_id, target)
        WHERE o.request_id = l.request_id AND o.target = l.target`
      yield* recomputeInbox(ids)
    })

  interface LetterState {
    readonly id: string
    readonly request_id: string
    readonly target: string
    readonly replayed_at: Date | null
    readonly live: boolean
  }

  const replay = (id: string) =>
    Effect.gen(function*() {
      const notFound = new DeadLetterNotFound({ id, message: `no dead letter with id "${id}"` })
      if (!/^\d{1,18}$/.test(id)) return yield* Effect.fail(notFound)
      const state = yield* Effect.gen(function*() {
        const rows = yield* sql<LetterState>`
          SELECT l.id, l.request_id, l.target, l.replayed_at,
            EXISTS (SELECT 1 FROM delivery_targets t WHERE t.name = l.target AND t.removed_at IS NULL) AS live
          FROM dead_letters l WHERE l.id = ${id} FOR UPDATE OF l`
        const letter = rows[0]
        if (letter !== undefined && letter.replayed_at === null && letter.live) yield* reopen([letter])
        return letter
      }).pipe(sql.withTransaction, guard)
      if (state === undefined) return yield* Effect.fail(notFound)
      if (state.replayed_at !== null) return "already_replayed" satisfies ReplayResult
      if (!state.live) return yield* Effect.fail(targetGone(state.target))
      return "replayed" satisfies ReplayResult
    })

  const replayAll = (target: string) =>
    Effect.gen(function*() {
      const result = yield* Effect.gen(function*() {
        const live = yield* sql<{ readonly name: string }>`
          SELECT name FROM delivery_targets WHERE name = ${target} AND removed_at IS NULL FOR SHARE`
        if (live.length === 0) return undefined
        const letters = yield* sql<{ readonly id: string; readonly request_id: string; readonly target: string }>`
          SELECT id, request_id, target FROM dead_letters
          WHERE target = ${target} AND replayed_at IS NULL ORDER BY id FOR UPDATE`
        yield* reopen(letters)
        return letters.length
      }).pipe(sql.withTransaction, guard)
      return result === undefined ? yield* Effect.fail(targetGone(target)) : result
    })

  const depth = Effect.all({
    pending: sql<{ readonly target: string; readonly count: number }>`
      SELECT target, count(*)::int AS count FROM delivery_outbox WHERE status = 'pending' GROUP BY target`,
    deadLetters: sql<{ readonly target: string; readonly count: number }>`
      SELECT target, count(*)::int AS count FROM dead_letters WHERE replayed_at IS NULL GROUP BY target`
  }).pipe(guard)

  const todo = (what: string) => Effect.dieMessage(`DeliveryStore.${what}: not built yet (issue 12)`)
  return DeliveryStore.of({
    claim, complete, postpone, listDeadLetters, replay, replayAll, depth,
    listDeadLetterPage: () => todo("listDeadLetterPage"),
    replayRequest: () => todo("replayRequest"),
    replayRequests: () => todo("replayRequests"),
    pauseTarget: () => todo("pauseTarget"),
    resumeTarget: () => todo("resumeTarget"),
    park: () => todo("park"),
    overview: () => todo("overview")
  })
})

export const layer = Layer.effect(DeliveryStore, make)
