/**
 * RequestLog on Postgres (issue 12): the console's read side of message_inbox, delivery_outbox and
 * delivery_attempts. Lists are keyset pages newest first, (received_at, request_id) descending, served by
 * the time index, the source index, the sender index or the trigram index (migrations 0001, 0065).
 * received_at has millisecond precision (ingest stores a JS Date), so a cursor's Date is exact.
 *
 * Every call runs in a short transaction whose first statement sets a LOCAL statement_timeout: the
 * server itself stops a query that runs too long (a client-side timeout alone would leave a broad `q`
 * search burning a backend after the caller gave up, and a console is an easy place to send many). The
 * transaction costs two extra round trips; SqlFailure.guard's timeout, a little longer, still bounds a
 * connection that never answers.
 */
import { SqlClient, type SqlError, type Statement } from "@effect/sql"
import { Duration, Effect, Layer, Option, Predicate } from "effect"
import { MAX_ATTEMPTS_SHOWN, MAX_PAGE_LIMIT, PREVIEW_CHARS, type RequestDetail } from "../../src/domain/Console.js"
import { type Channel, providersByChannel } from "../../src/domain/Envelope.js"
import {
  type RequestCursor,
  type RequestFilter,
  RequestLog,
  RequestLogUnavailable,
  type RequestPage
} from "../../services/RequestLog.js"
import * as SqlFailure from "../Database/SqlFailure.js"
import { type AttemptRow, type DeliveryRow, type DetailRow, type SummaryRow, toDetail, toSummary } from "./RequestRows.js"

/** Pages and details: an operator waits on these. */
export const READ_TIMEOUT = Duration.seconds(3)
/** A dry-run count walks up to MAX_DRY_RUN_COUNT rows: a deliberate, rare call, given longer. */
export const COUNT_TIMEOUT = Duration.seconds(10)
/** The client-side bound past the server's: time for the cancel to come back before we stop waiting. */
const CLIENT_GRACE = Duration.seconds(2)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** No text column can hold NUL, so a filter value with one matches nothing (and must not reach the driver). */
const hasNul = (s: string | undefined) => s !== undefined && s.includes("\u0000")

const filterMatchesNothing = (f: RequestFilter) =>
  [f.channel, f.provider, f.endpoint, f.sender, f.q].some(hasNul)

/** `q` as an ILIKE pattern matching it anywhere, literally: LIKE's own characters escaped (backslash is the default escape). */
export const containsPattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

const validDate = (d: Date, what: string) =>
  Number.isNaN(d.getTime()) ? Effect.dieMessage(`RequestLog: ${what} is not a valid date`) : Effect.void

const isStatementTimeout = (e: SqlError.SqlError) =>
  Predicate.hasProperty(e.cause, "code") && e.cause.code === "57014"

const conditions = (sql: SqlClient.SqlClient, f: RequestFilter, after: RequestCursor | undefined) =>
  sql.and([
    ...(f.channel === undefined ? [] : [sql`source_channel = ${f.channel}`]),
    ...(f.provider === undefined ? [] : [sql`source_provider = ${f.provider}`]),
    ...(f.endpoint === undefined ? [] : [sql`source_endpoint_identity = ${f.endpoint}`]),
    ...(f.sender === undefined ? [] : [sql`sender_identity = ${f.sender}`]),
    ...(f.lifecycle === undefined ? [] : [sql`lifecycle_state = ${f.lifecycle}`]),
    ...(f.since === undefined ? [] : [sql`received_at >= ${f.since}`]),
    ...(f.until === undefined ? [] : [sql`received_at < ${f.until}`]),
    ...(f.q === undefined ? [] : [sql`normalized_text ILIKE ${containsPattern(f.q)}`]),
    // The tie-break on request_id stays out of the index condition (received_at <= t), so every index
    // on (…, received_at) serves it.
    ...(after === undefined
      ? []
      : [sql`received_at <= ${after.received_at}`,
        sql`(received_at < ${after.received_at} OR request_id < ${after.request_id}::uuid)`])
  ])

// Only the first PREVIEW_CHARS + 1 characters are read (substr slices a toasted text instead of
// detoasting all of it): enough for the preview and to know whether it was cut.
const summaryColumns = (sql: SqlClient.SqlClient) => sql`request_id, dedupe_key, source_channel, source_provider, source_endpoint_identity,
  sender_identity, external_event_id, external_thread_id, observed_at, received_at, lifecycle_state,
  dispatch_outcomes, left(substr(normalized_text, 1, ${PREVIEW_CHARS + 1}), ${PREVIEW_CHARS}) AS text_preview,
  char_length(substr(normalized_text, 1, ${PREVIEW_CHARS + 1})) > ${PREVIEW_CHARS} AS text_truncated`

/**
 * The providers an endpoint filter is split over: a channel given without a provider is, by the Source
 * schema every ingest path decodes with (providersByChannel), one of that channel's few providers. Each
 * (channel, provider, endpoint) then walks message_inbox_source_received exactly, newest first; without
 * the split a quiet endpoint scanned the whole channel's part of that index (425 ms at 10 M rows for an
 * endpoint with no rows). A channel outside the schema's list is not split.
 */
export const providersToSplit = (f: RequestFilter): ReadonlyArray<string> | undefined => {
  if (f.endpoint === undefined || f.channel === undefined || f.provider !== undefined) return undefined
  const providers = Object.hasOwn(providersByChannel, f.channel) ? providersByChannel[f.channel as Channel] : undefined
  return providers === undefined || providers.length === 0 ? undefined : providers
}

/** The page's statement (exported for the bench's baseline, which sends the same SQL with plain pg). */
export const listStatement = (
  sql: SqlClient.SqlClient,
  query: { readonly filter: RequestFilter; readonly after: RequestCursor | undefined; readonly limit: number }
) => {
  const page = (f: RequestFilter) =>
    sql`SELECT ${summaryColumns(sql)} FROM message_inbox
      WHERE ${conditions(sql, f, query.after)}
      ORDER BY received_at DESC, request_id DESC
      LIMIT ${query.limit + 1}`
  const split = providersToSplit(query.filter)
  if (split === undefined || split.length === 1) {
    return sql<SummaryRow>`${page(split === undefined ? query.filter : { ...query.filter, provider: split[0]! })}`
  }
  // Each provider's newest rows, merged: the page is among them.
  const branches = split.map((provider) => sql`(${page({ ...query.filter, provider })})`)
  return sql<SummaryRow>`SELECT * FROM (${
    branches.reduce((all, b) => sql`${all} UNION ALL ${b}`)
  }) AS providers ORDER BY received_at DESC, request_id DESC LIMIT ${query.limit + 1}`
}

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  /** Runs `effect` in a transaction bounded on the server by `timeout`, mapping failures to RequestLogUnavailable. */
  const bounded = (timeout: Duration.Duration) => <A>(effect: Effect.Effect<A, SqlError.SqlError>) => {
    const ms = Duration.toMillis(timeout)
    const stopped = `the query ran longer than ${Duration.format(timeout)} and was stopped: narrow the filter ` +
      `(since/until, channel, endpoint, sender) or search a longer q`
    return Effect.zipRight(sql`SELECT set_config('statement_timeout', ${String(ms)}, true)`, effect).pipe(
      sql.withTransaction,
      Effect.catchIf(isStatementTimeout, () => Effect.fail(new RequestLogUnavailable({ message: stopped }))),
      SqlFailure.guard((reason) => new RequestLogUnavailable({ message: reason }), Duration.sum(timeout, CLIENT_GRACE))
    )
  }
  const read = bounded(READ_TIMEOUT)

  const checked = (f: RequestFilter, after: RequestCursor | undefined) =>
    Effect.all([
      f.since === undefined ? Effect.void : validDate(f.since, "since"),
      f.until === undefined ? Effect.void : validDate(f.until, "until"),
      after === undefined ? Effect.void : validDate(after.received_at, "the cursor's received_at"),
      after === undefined || UUID.test(after.request_id)
        ? Effect.void
        : Effect.dieMessage("RequestLog: the cursor's request_id is not a UUID")
    ], { discard: true })

  const list = (query: { readonly filter: RequestFilter; readonly after: RequestCursor | undefined; readonly limit: number }) =>
    Effect.gen(function*() {
      const empty: RequestPage = { items: [], next: undefined }
      if (filterMatchesNothing(query.filter)) return empty
      yield* checked(query.filter, query.after)
      const limit = Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.floor(query.limit)))
      // One row more than asked tells whether another page follows.
      const rows = yield* read(listStatement(sql, { ...query, limit }))
      const shown = rows.slice(0, limit)
      const last = shown.at(-1)
      const page: RequestPage = {
        items: shown.map(toSummary),
        next: rows.length > limit && last !== undefined
          ? { received_at: last.received_at, request_id: last.request_id }
          : undefined
      }
      return page
    })

  const count = (filter: RequestFilter, cap: number) =>
    Effect.gen(function*() {
      const atMost = Math.max(0, Math.floor(cap))
      if (filterMatchesNothing(filter)) return { count: 0, exact: true }
      yield* checked(filter, undefined)
      const rows = yield* bounded(COUNT_TIMEOUT)(sql<{ readonly n: number }>`
        SELECT count(*)::int AS n FROM (
          SELECT 1 FROM message_inbox WHERE ${conditions(sql, filter, undefined)} LIMIT ${atMost + 1}
        ) matching`)
      const n = rows[0]?.n ?? 0
      return { count: Math.min(n, atMost), exact: n <= atMost }
    })

  const detail = (where: Statement.Fragment) =>
    read(Effect.gen(function*() {
      const row = (yield* sql<DetailRow>`
        SELECT ${summaryColumns(sql)}, normalized_text, raw, attachments, trace_context, policy_tier, ingestion_tier
        FROM message_inbox WHERE ${where}`)[0]
      if (row === undefined) return Option.none<RequestDetail>()
      const deliveries = yield* sql<DeliveryRow>`
        SELECT o.target, o.status, o.attempts, t.paused_at IS NOT NULL AS paused,
          CASE WHEN o.status = 'pending' AND t.paused_at IS NULL AND isfinite(o.next_attempt_at)
            THEN o.next_attempt_at END AS next_attempt_at,
          o.last_status, o.last_error, o.last_attempt_at, o.delivered_at
        FROM delivery_outbox o LEFT JOIN delivery_targets t ON t.name = o.target
        WHERE o.request_id = ${row.request_id}
        ORDER BY o.target COLLATE "C"`
      // The newest MAX_ATTEMPTS_SHOWN + 1 of each delivery, newest first, walked on (request_id, target, id).
      const attempts = deliveries.length === 0 ? [] : yield* sql<AttemptRow>`
        SELECT a.target, a.attempt, a.attempted_at, a.status, a.latency_ms, a.outcome, a.error,
          CASE WHEN isfinite(a.next_attempt_at) THEN a.next_attempt_at END AS next_attempt_at
        FROM delivery_outbox o CROSS JOIN LATERAL (
          SELECT * FROM delivery_attempts a
          WHERE a.request_id = o.request_id AND a.target = o.target
          ORDER BY a.id DESC LIMIT ${MAX_ATTEMPTS_SHOWN + 1}
        ) a
        WHERE o.request_id = ${row.request_id}
        ORDER BY a.target, a.id DESC`
      return Option.some(toDetail(row, deliveries, attempts))
    }))

  const get = (requestId: string) =>
    UUID.test(requestId) ? detail(sql`request_id = ${requestId}::uuid`) : Effect.succeed(Option.none<RequestDetail>())

  const getByKey = (dedupeKey: string) =>
    hasNul(dedupeKey) ? Effect.succeed(Option.none<RequestDetail>()) : detail(sql`dedupe_key = ${dedupeKey}`)

  return RequestLog.of({ list, count, get, getByKey })
})

export const layer = Layer.effect(RequestLog, make)
