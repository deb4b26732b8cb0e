/**
 * DeliveryStore on Postgres. Claims are short leases taken with `FOR UPDATE SKIP LOCKED` (no
 * transaction stays open during an HTTP call); outcomes are fenced by the claim token. Every write
 * that changes an outbox row's status first locks its inbox row, so the recomputed
 * lifecycle_state / dispatch_outcomes always see every committed outcome of that request.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Duration, Effect, Layer, Redacted } from "effect"
import type { AttemptsMinute, ReplayedDelivery, TargetBacklog } from "../../src/domain/Console.js"
import {
  type ClaimedDelivery,
  type CompletedAttempt,
  DeadLetterNotFound,
  type DeadLetterPage,
  type DeadLetterRecord,
  DeliveryStore,
  DeliveryStoreUnavailable,
  type RecordedAttempt,
  RequestNotFound,
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
  readonly target_paused: boolean
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

const outcomeOf = (a: CompletedAttempt) =>
  a.result._tag === "Delivered" ? "delivered" : a.result._tag === "Retry" ? "retry" : "dead"

/** A latency the integer column can hold (null when not measured or not a finite number). */
const latencyOf = (a: CompletedAttempt) =>
  a.latency_ms === null || !Number.isFinite(a.latency_ms) ? null : Math.min(Math.max(0, Math.round(a.latency_ms)), 2_147_483_647)

/** Where a parked row waits: never due until its target is resumed (migration 0064). */
const PARKED = "infinity"

/** Validate.targetName allows at most 63 characters: a longer name names no target and never reaches SQL. */
const MAX_NAME = 63

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Dead letter ids are bigint identities; anything else names no letter. */
const LETTER_ID = /^\d{1,18}$/

/** Operator actions that may touch a whole backlog (pause, resume, bulk replay) get longer than a query. */
const BULK_TIMEOUT = Duration.seconds(60)

const MINUTE_MS = 60_000

const targetGone = (name: string) =>
  new TargetNotFound({ name, message: `no target named "${name}" (removed?); add it again before replaying its dead letters` })

const noTarget = (name: string) => new TargetNotFound({ name, message: `no target named "${name.slice(0, 80)}"` })

type Row = { readonly request_id: string; readonly target: string; readonly claim_token: string }

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const guard = SqlFailure.guard((reason) => new DeliveryStoreUnavailable({ message: reason }))
  const bulkGuard = SqlFailure.guard((reason) => new DeliveryStoreUnavailable({ message: reason }), BULK_TIMEOUT)
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
      // claim costs the same whatever the outbox size or the table statistics. Rows of a paused (live) target
      // skip it: they are parked, not attempted, so order does not matter, and a row waiting behind a parked
      // one would otherwise stay due in the window until the resume, crowding out every other target.
      // A removed target is never paused: its rows are claimed to be dead-lettered.
      const rows = yield* sql<ClaimRow>`
        WITH candidates AS (
          SELECT request_id, target, next_attempt_at FROM delivery_outbox
          WHERE status = 'pending' AND next_attempt_at <= ${at}
            AND (claimed_until IS NULL OR claimed_until <= ${at})
          ORDER BY next_attempt_at, request_id
          LIMIT ${Math.max(256, 4 * options.limit)}
        ), due AS (
          SELECT o.request_id, o.target,
            COALESCE(t.paused_at IS NOT NULL AND t.removed_at IS NULL, false) AS paused
          FROM candidates c
          JOIN delivery_outbox o ON o.request_id = c.request_id AND o.target = c.target
          LEFT JOIN delivery_targets t ON t.name = o.target
          WHERE o.status = 'pending' AND (o.claimed_until IS NULL OR o.claimed_until <= ${at})
            AND ((t.paused_at IS NOT NULL AND t.removed_at IS NULL) OR NOT EXISTS (
              SELECT 1 FROM delivery_outbox e
              WHERE e.status = 'pending' AND e.target = o.target AND e.thread_key = o.thread_key
                AND e.request_id < o.request_id))
          ORDER BY c.next_attempt_at, c.request_id
          LIMIT ${options.limit}
          FOR UPDATE OF o SKIP LOCKED
        ), claimed AS (
          UPDATE delivery_outbox o
          SET claimed_until = ${new Date(at.getTime() + options.leaseMs)}, claim_token = ${token},
            claimed_by = ${options.workerId}
          FROM due WHERE o.request_id = due.request_id AND o.target = due.target
          RETURNING o.request_id, o.target, o.attempts, due.paused
        )
        SELECT c.target, c.attempts, c.paused AS target_paused, t.url, t.secret, t.removed_at AS target_removed_at,
          t.action AS target_action, t.template AS target_template, t.owner_token_id AS target_owner, m.*
        FROM claimed c
        JOIN message_inbox m ON m.request_id = c.request_id
        LEFT JOIN delivery_targets t ON t.name = c.target`.pipe(guard)
      return rows.map((r): ClaimedDelivery => {
        const {
          attempts, secret, target, target_action, target_owner, target_paused, target_removed_at, target_template, url,
          ...request
        } = r
        const action = target_action !== null && target_owner !== null && target_removed_at === null
          ? { action: { name: target_action, template: target_template, owner: target_owner } }
          : {}
        return {
          ...action,
          request_id: r.request_id,
          target,
          paused: target_paused,
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
              ${column((a) => WebhookId.of(a.request_id, a.target))}::text[],
              ${column(latencyOf)}::int[], ${column(outcomeOf)}::text[]
            ) AS v (request_id, target, claim_token, status, attempts, next_attempt_at, last_status, last_error, at,
              webhook_id, latency_ms, outcome)
          ), upd AS (
            UPDATE delivery_outbox o SET status = v.status, attempts = v.attempts,
              next_attempt_at = COALESCE(v.next_attempt_at, o.next_attempt_at),
              last_status = v.last_status, last_error = v.last_error, last_attempt_at = v.at,
              delivered_at = CASE WHEN v.status = 'delivered' THEN v.at ELSE o.delivered_at END,
              claimed_until = NULL, claim_token = NULL
            FROM v
            WHERE o.request_id = v.request_id AND o.target = v.target AND o.claim_token = v.claim_token
            RETURNING o.request_id, o.target, o.status, o.attempts, o.last_status, o.last_error, o.last_attempt_at,
              v.latency_ms, v.outcome, v.next_attempt_at AS retry_at
          ), history AS (
            -- Only attempts whose claim still held (the rows the update returned) enter the history.
            INSERT INTO delivery_attempts (request_id, target, attempt, attempted_at, status, latency_ms, outcome, error,
              next_attempt_at)
            SELECT request_id, target, attempts, last_attempt_at, last_status, latency_ms, outcome, last_error, retry_at
            FROM upd
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
    pending: sql<{ readonly target: string; readonly count: number; readonly oldest_request_id: string | null }>`
      SELECT target, count(*)::int AS count,
        min(request_id::text COLLATE "C") FILTER (WHERE next_attempt_at <> ${PARKED}::timestamptz) AS oldest_request_id
      FROM delivery_outbox WHERE status = 'pending' GROUP BY target
      UNION ALL
      SELECT t.name, 0, NULL FROM delivery_targets t
      WHERE t.removed_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM delivery_outbox o WHERE o.target = t.name AND o.status = 'pending')`,
    deadLetters: sql<{ readonly target: string; readonly count: number }>`
      SELECT target, count(*)::int AS count FROM dead_letters WHERE replayed_at IS NULL GROUP BY target`
  }).pipe(guard)

  /**
   * Dead letters after the letter `after` in (dead_at DESC, id DESC) order. `next` is the id of the page's
   * last letter; its dead_at is looked up here, so the key keeps the database's microseconds. An `after` that
   * is not a letter id (not digits, or no such letter: letters are never deleted) answers an empty page
   * rather than the first one, so a client holding a broken cursor cannot loop; an invalid `since` too.
   */
  const listDeadLetterPage = (query: {
    readonly target: string | null
    readonly since: Date | null
    readonly after: string | undefined
    readonly limit: number
  }) =>
    Effect.gen(function*() {
      const empty: DeadLetterPage = { items: [], next: undefined }
      const limit = Number.isFinite(query.limit) ? Math.min(Math.max(1, Math.floor(query.limit)), 1000) : 1
      if (query.after !== undefined && !LETTER_ID.test(query.after)) return empty
      if (query.since !== null && Number.isNaN(query.since.getTime())) return empty
      const rows = yield* sql<DeadLetterRow>`SELECT * FROM dead_letters
        WHERE ${query.target === null ? sql`true` : sql`target = ${query.target}`}
          AND ${query.since === null ? sql`true` : sql`dead_at >= ${query.since}`}
          AND ${query.after === undefined ? sql`true` : sql`(dead_at, id) < (SELECT dead_at, id FROM dead_letters WHERE id = ${query.after})`}
        ORDER BY dead_at DESC, id DESC
        LIMIT ${limit + 1}`
      const items = rows.slice(0, limit).map(toDeadLetter)
      const page: DeadLetterPage = { items, next: rows.length > limit ? items[items.length - 1]?.id : undefined }
      return page
    }).pipe(guard)

  /**
   * Replays deliveries of existing requests (DeliveryStore.replayRequest), in the caller's transaction; answers
   * each found request's deliveries. Locks in this file's order: target rows (share, so a pause or resume is
   * wholly before or after and a replayed row of a paused target is parked), dead letters, inbox rows
   * (sorted), outbox rows.
   */
  const reopenRequests = (ids: ReadonlyArray<string>, chosen: ReadonlyArray<string> | null) =>
    Effect.gen(function*() {
      const at = yield* now
      const found = (yield* sql<{ readonly request_id: string }>`
        SELECT request_id FROM message_inbox WHERE request_id = ANY(${ids}::uuid[])`).map((r) => r.request_id)
      const byRequest = new Map<string, Array<ReplayedDelivery>>(found.map((id) => [id, []]))
      if (found.length === 0) return byRequest
      const routed = chosen === null
        ? yield* sql<{ readonly request_id: string; readonly target: string }>`
          SELECT request_id, target FROM delivery_outbox WHERE request_id = ANY(${found}::uuid[])
          ORDER BY request_id, target COLLATE "C"`
        : []
      const names = chosen ?? [...new Set(routed.map((r) => r.target))]
      const live = yield* sql<{ readonly name: string; readonly paused: boolean }>`
        SELECT name, paused_at IS NOT NULL AS paused FROM delivery_targets
        WHERE name = ANY(${names}::text[]) AND removed_at IS NULL ORDER BY name FOR SHARE`
      const pausedOf = new Map(live.map((t) => [t.name, t.paused]))
      const missing = chosen?.find((name) => !pausedOf.has(name))
      if (missing !== undefined) return yield* Effect.fail(noTarget(missing))
      // Without chosen targets a request goes again to its own targets that are still live: a removed one
      // would only end in a dead letter again.
      const pairs = chosen === null
        ? routed.filter((r) => pausedOf.has(r.target))
        : found.flatMap((request_id) => chosen.map((target) => ({ request_id, target })))
      if (pairs.length === 0) return byRequest
      const requests = pairs.map((p) => p.request_id)
      const targets = pairs.map((p) => p.target)
      yield* sql`SELECT 1 FROM dead_letters l
        JOIN unnest(${requests}::uuid[], ${targets}::text[]) AS p (request_id, target)
          ON l.request_id = p.request_id AND l.target = p.target
        WHERE l.replayed_at IS NULL ORDER BY l.id FOR UPDATE OF l`
      yield* lockInbox(found)
      // A pending delivery (leased, retrying or parked) is left as it is; any other is a new delivery with a
      // fresh attempt budget, or a new outbox row (thread_key as ingest writes it) for a target never routed.
      const reopened = yield* sql<{ readonly request_id: string; readonly target: string }>`
        INSERT INTO delivery_outbox (request_id, target, thread_key, next_attempt_at)
        SELECT p.request_id, p.target, m.external_thread_id,
          CASE WHEN p.paused THEN ${PARKED}::timestamptz ELSE ${at} END
        FROM unnest(${requests}::uuid[], ${targets}::text[], ${pairs.map((p) => pausedOf.get(p.target) === true)}::bool[])
          AS p (request_id, target, paused)
        JOIN message_inbox m ON m.request_id = p.request_id
        ON CONFLICT (request_id, target) DO UPDATE SET status = 'pending', attempts = 0,
          next_attempt_at = EXCLUDED.next_attempt_at, claimed_until = NULL, claim_token = NULL,
          last_status = NULL, last_error = NULL, delivered_at = NULL
        WHERE delivery_outbox.status <> 'pending'
        RETURNING request_id, target`
      const replayedKeys = new Set(reopened.map((r) => `${r.request_id}\u0000${r.target}`))
      if (reopened.length > 0) {
        yield* sql`UPDATE dead_letters l SET replayed_at = ${at}
          FROM unnest(${reopened.map((r) => r.request_id)}::uuid[], ${reopened.map((r) => r.target)}::text[])
            AS r (request_id, target)
          WHERE l.request_id = r.request_id AND l.target = r.target AND l.replayed_at IS NULL`
        yield* recomputeInbox([...new Set(reopened.map((r) => r.request_id))])
      }
      for (const p of pairs) {
        byRequest.get(p.request_id)?.push({
          target: p.target,
          webhook_id: WebhookId.of(p.request_id, p.target),
          result: replayedKeys.has(`${p.request_id}\u0000${p.target}`) ? "replayed" : "already_pending"
        })
      }
      return byRequest
    })

  /** Chosen targets, once each in the order given; a name no target can have fails before any SQL. */
  const chosenTargets = (targets: ReadonlyArray<string> | null) => {
    if (targets === null) return Effect.succeed(null)
    const unique = [...new Set(targets)]
    const bad = unique.find((name) => name.length === 0 || name.length > MAX_NAME)
    return bad === undefined ? Effect.succeed(unique) : Effect.fail(noTarget(bad))
  }

  const replayRequest = (requestId: string, targets: ReadonlyArray<string> | null) =>
    Effect.gen(function*() {
      const notFound = new RequestNotFound({
        request_id: requestId.slice(0, 80),
        message: `no accepted request with id "${requestId.slice(0, 80)}"`
      })
      if (!UUID.test(requestId)) return yield* Effect.fail(notFound)
      const chosen = yield* chosenTargets(targets)
      const id = requestId.toLowerCase()
      const byRequest = yield* reopenRequests([id], chosen).pipe(sql.withTransaction, guard)
      const deliveries = byRequest.get(id)
      return deliveries === undefined ? yield* Effect.fail(notFound) : deliveries
    })

  const replayRequests = (requestIds: ReadonlyArray<string>, targets: ReadonlyArray<string> | null) =>
    Effect.gen(function*() {
      const chosen = yield* chosenTargets(targets)
      const ids = [...new Set(requestIds.filter((id) => UUID.test(id)).map((id) => id.toLowerCase()))]
      if (ids.length === 0) return { replayed: 0, already_pending: 0 }
      const byRequest = yield* reopenRequests(ids, chosen).pipe(sql.withTransaction, bulkGuard)
      let replayed = 0
      let already_pending = 0
      for (const deliveries of byRequest.values()) {
        for (const d of deliveries) {
          if (d.result === "replayed") replayed++
          else already_pending++
        }
      }
      return { replayed, already_pending }
    })

  // Pause and resume update the target row first, in the same transaction as the outbox rows, so a `park`
  // (which share-locks the target row before deciding) sees either both changes or neither.
  const pauseTarget = (name: string) =>
    Effect.gen(function*() {
      if (name.length === 0 || name.length > MAX_NAME) return yield* Effect.fail(noTarget(name))
      const at = yield* now
      const result = yield* Effect.gen(function*() {
        const marked = yield* sql<{ readonly paused_at: Date }>`
          UPDATE delivery_targets SET paused_at = COALESCE(paused_at, ${at})
          WHERE name = ${name} AND removed_at IS NULL RETURNING paused_at`
        const pausedAt = marked[0]?.paused_at
        if (pausedAt === undefined) return undefined
        // The count runs on the statement's snapshot, before its own update: rows parked now plus before.
        const held = yield* sql<{ readonly n: number }>`
          WITH parked AS (
            UPDATE delivery_outbox SET next_attempt_at = ${PARKED}::timestamptz
            WHERE target = ${name} AND status = 'pending' AND next_attempt_at <> ${PARKED}::timestamptz
              AND (claimed_until IS NULL OR claimed_until <= ${at})
            RETURNING 1)
          SELECT ((SELECT count(*) FROM parked) + (SELECT count(*) FROM delivery_outbox
            WHERE target = ${name} AND status = 'pending' AND next_attempt_at = ${PARKED}::timestamptz))::int AS n`
        return { paused_at: pausedAt, held: held[0]?.n ?? 0 }
      }).pipe(sql.withTransaction, bulkGuard)
      return result === undefined ? yield* Effect.fail(noTarget(name)) : result
    })

  const resumeTarget = (name: string) =>
    Effect.gen(function*() {
      if (name.length === 0 || name.length > MAX_NAME) return yield* Effect.fail(noTarget(name))
      const at = yield* now
      const result = yield* Effect.gen(function*() {
        const marked = yield* sql`UPDATE delivery_targets SET paused_at = NULL
          WHERE name = ${name} AND removed_at IS NULL RETURNING name`
        if (marked.length === 0) return undefined
        // Every parked row of the target, also strays a running target may hold (e.g. parked before a
        // remove and revive): resuming is the way to release them.
        const released = yield* sql<{ readonly n: number }>`
          WITH released AS (
            UPDATE delivery_outbox SET next_attempt_at = ${at}
            WHERE target = ${name} AND status = 'pending' AND next_attempt_at = ${PARKED}::timestamptz
            RETURNING 1)
          SELECT count(*)::int AS n FROM released`
        return { released: released[0]?.n ?? 0 }
      }).pipe(sql.withTransaction, bulkGuard)
      return result === undefined ? yield* Effect.fail(noTarget(name)) : result
    })

  /**
   * Releases claimed rows of paused targets without an attempt. The target rows are share-locked before
   * deciding: a resume committed first is seen (rows due now), one committing later waits for this
   * transaction and then finds the rows parked and releases them. A removed target is not paused (its rows
   * are due, to be dead-lettered). No inbox lock: the rows stay pending (see postpone).
   */
  const park = (rows: ReadonlyArray<Row>) =>
    rows.length === 0 ? Effect.succeed(0) : Effect.gen(function*() {
      const at = yield* now
      const targets = yield* sql<{ readonly name: string; readonly paused: boolean }>`
        SELECT name, paused_at IS NOT NULL AND removed_at IS NULL AS paused FROM delivery_targets
        WHERE name = ANY(${[...new Set(rows.map((r) => r.target))]}::text[]) ORDER BY name FOR SHARE`
      const paused = targets.filter((t) => t.paused).map((t) => t.name)
      const parked = yield* sql<{ readonly n: number }>`
        WITH released AS (
          UPDATE delivery_outbox o
          SET next_attempt_at = CASE WHEN o.target = ANY(${paused}::text[]) THEN ${PARKED}::timestamptz ELSE ${at} END,
            claimed_until = NULL, claim_token = NULL
          FROM unnest(${rows.map((r) => r.request_id)}::uuid[], ${rows.map((r) => r.target)}::text[],
            ${rows.map((r) => r.claim_token)}::uuid[]) AS v (request_id, target, claim_token)
          WHERE o.request_id = v.request_id AND o.target = v.target AND o.claim_token = v.claim_token
            AND o.status = 'pending'
          RETURNING o.next_attempt_at = ${PARKED}::timestamptz AS parked)
        SELECT (count(*) FILTER (WHERE parked))::int AS n FROM released`
      return parked[0]?.n ?? 0
    }).pipe(sql.withTransaction, guard)

  /**
   * Backlog per live target, and attempts per minute over the 60 minutes ending with the one `now` is in.
   * The oldest pending row is the smallest request_id (UUIDv7: acceptance order), so only that one inbox
   * row is read, not one per pending row.
   */
  const overview = (at: Date) =>
    Effect.gen(function*() {
      const nowMs = Number.isNaN(at.getTime()) ? yield* Clock.currentTimeMillis : at.getTime()
      const last = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS
      const first = new Date(last - 59 * MINUTE_MS)
      const end = new Date(last + MINUTE_MS)
      const { minutes, targets } = yield* Effect.all({
        targets: sql<{
          readonly target: string
          readonly paused: boolean
          readonly pending: number
          readonly retrying: number
          readonly dead_lettered: number
          readonly oldest: Date | null
        }>`
          SELECT t.name AS target, t.paused_at IS NOT NULL AS paused, COALESCE(o.pending, 0) AS pending,
            COALESCE(o.retrying, 0) AS retrying, COALESCE(d.n, 0) AS dead_lettered, m.received_at AS oldest
          FROM delivery_targets t
          LEFT JOIN (
            SELECT target, count(*)::int AS pending, (count(*) FILTER (WHERE attempts > 0))::int AS retrying,
              min(request_id::text)::uuid AS oldest_id
            FROM delivery_outbox WHERE status = 'pending' GROUP BY target
          ) o ON o.target = t.name
          LEFT JOIN (
            SELECT target, count(*)::int AS n FROM dead_letters WHERE replayed_at IS NULL GROUP BY target
          ) d ON d.target = t.name
          LEFT JOIN message_inbox m ON m.request_id = o.oldest_id
          WHERE t.removed_at IS NULL
          ORDER BY t.name`,
        minutes: sql<{ readonly minute: Date; readonly delivered: number; readonly retry: number; readonly dead: number }>`
          SELECT s.minute, COALESCE(a.delivered, 0) AS delivered, COALESCE(a.retry, 0) AS retry,
            COALESCE(a.dead, 0) AS dead
          FROM generate_series(${first}::timestamptz, ${new Date(last)}::timestamptz, interval '1 minute') AS s (minute)
          LEFT JOIN (
            SELECT date_bin(interval '1 minute', attempted_at, timestamptz 'epoch') AS minute,
              (count(*) FILTER (WHERE outcome = 'delivered'))::int AS delivered,
              (count(*) FILTER (WHERE outcome = 'retry'))::int AS retry,
              (count(*) FILTER (WHERE outcome = 'dead'))::int AS dead
            FROM delivery_attempts WHERE attempted_at >= ${first} AND attempted_at < ${end}
            GROUP BY 1
          ) a ON a.minute = s.minute
          ORDER BY s.minute`
      }, { concurrency: 2 })
      return {
        targets: targets.map((t): TargetBacklog => ({
          target: t.target,
          paused: t.paused,
          pending: t.pending,
          retrying: t.retrying,
          dead_lettered: t.dead_lettered,
          oldest_pending_received_at: t.oldest === null ? null : t.oldest.toISOString()
        })),
        attempts_per_minute: minutes.map((m): AttemptsMinute => ({
          minute: m.minute.toISOString(),
          delivered: m.delivered,
          retry: m.retry,
          dead: m.dead
        }))
      }
    }).pipe(guard)

  return DeliveryStore.of({
    claim, complete, postpone, listDeadLetters, replay, replayAll, depth,
    listDeadLetterPage, replayRequest, replayRequests, pauseTarget, resumeTarget, park, overview
  })
})

export const layer = Layer.effect(DeliveryStore, make)
