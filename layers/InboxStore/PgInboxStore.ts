/**
 * InboxStore on Postgres: one statement per group of rows — `INSERT … ON CONFLICT (dedupe_key) DO NOTHING`,
 * the routed targets' outbox rows, and the owners of the keys already taken.
 */
import { SqlError } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Metric, Option } from "effect"
import {
  type InboxRecord,
  InboxStore,
  InboxUnavailable,
  type InsertOutcome,
  type NewInboxRow
} from "../../services/InboxStore.js"
import type { CheckpointCommit, SingletonFence } from "../../services/ConnectorCheckpoints.js"
import { fencedCommits } from "../../src/metrics/Metrics.js"
import * as PgConnectorCheckpoints from "../ConnectorCheckpoints/PgConnectorCheckpoints.js"
import * as SqlFailure from "../Database/SqlFailure.js"

interface OwnerRow {
  readonly request_id: string
  readonly dedupe_key: string
  readonly received_at: Date
}

const unavailable = (reason: string) => new InboxUnavailable({ message: reason })

/** Rows sorted by dedupe key, so concurrent batches with overlapping keys take row locks in one order (no deadlock). */
const inKeyOrder = (rows: ReadonlyArray<NewInboxRow>) =>
  [...rows].sort((a, b) => (a.dedupe_key < b.dedupe_key ? -1 : a.dedupe_key > b.dedupe_key ? 1 : 0))

/** The columns of a new inbox row, with their types for json_to_recordset. */
const INPUT_COLUMNS = [
  "request_id uuid", "dedupe_key text", "source_channel text", "source_provider text", "source_endpoint_identity text",
  "external_event_id text", "external_thread_id text", "sender_identity text", "observed_at timestamptz",
  "normalized_text text", "raw jsonb", "attachments jsonb", "trace_context jsonb", "policy_tier text",
  "ingestion_tier text", "received_at timestamptz", "lifecycle_state text", "dispatch_outcomes jsonb"
].join(", ")

const INBOX_COLUMNS = INPUT_COLUMNS.split(", ").map((c) => c.split(" ")[0]).join(", ")

/** dispatch_outcomes of a newly routed request, by target in code point order (as the worker rewrites it). */
const pendingOutcomes = (targets: ReadonlyArray<string>) =>
  [...targets].sort().map((target) => ({ target, status: "pending", attempts: 0, last_error: null, delivered_at: null }))

export const make = Effect.gen(function*() {
  const sql = yield* PgClient.PgClient
  const guard = SqlFailure.guard(unavailable)

  /** A row as json_to_recordset reads it (INPUT_COLUMNS): JSON values stay JSON, SQL NULL is JSON null. */
  const toDb = (r: NewInboxRow) => ({
    request_id: r.request_id,
    dedupe_key: r.dedupe_key,
    source_channel: r.source_channel,
    source_provider: r.source_provider,
    source_endpoint_identity: r.source_endpoint_identity,
    external_event_id: r.external_event_id,
    external_thread_id: r.external_thread_id,
    sender_identity: r.sender_identity,
    observed_at: r.observed_at,
    normalized_text: r.normalized_text,
    raw: r.raw,
    attachments: r.attachments,
    trace_context: r.trace_context,
    policy_tier: r.policy_tier,
    ingestion_tier: r.ingestion_tier,
    received_at: r.received_at.toISOString(),
    lifecycle_state: (r.targets?.length ?? 0) > 0 ? "routed" : "accepted",
    dispatch_outcomes: pendingOutcomes(r.targets ?? [])
  })

  /**
   * The statement's two JSON parameters. A value JSON cannot serialise (a BigInt, a cycle: never from a parsed
   * body) fails as the driver would, with a TypeError cause, so it is a refused row like any other.
   */
  const encodeRows = (rows: ReadonlyArray<NewInboxRow>) =>
    Effect.try({
      try: () => ({
        values: JSON.stringify(inKeyOrder(rows).map(toDb)),
        routes: JSON.stringify(rows.flatMap((r) => (r.targets ?? []).map((target) => ({ request_id: r.request_id, target }))))
      }),
      catch: (cause) => new SqlError.SqlError({ cause, message: "the rows could not be encoded as JSON" })
    })

  const owners = (keys: ReadonlyArray<string>) =>
    sql<OwnerRow>`SELECT request_id, dedupe_key, received_at FROM message_inbox WHERE dedupe_key IN ${sql.in(keys)}`

  /**
   * One statement of fixed text for any number of rows (issue 14): the rows travel as one JSON parameter,
   * the rows that win their dedupe key are inserted with their outbox rows, and the owners of the keys that
   * were already taken come back from the same statement, so a duplicate costs no second round trip. A key
   * taken by a transaction that committed after this statement's snapshot is not visible to it: insertMany
   * reads those few owners afterwards.
   */
  const insertStatement = (rows: ReadonlyArray<NewInboxRow>) =>
    Effect.flatMap(encodeRows(rows), ({ routes, values }) => sql<OwnerRow>`
      WITH input AS (
        SELECT * FROM json_to_recordset(${values}::json) AS t (${sql.unsafe(INPUT_COLUMNS)})
      ), ins AS (
        INSERT INTO message_inbox (${sql.unsafe(INBOX_COLUMNS)})
        SELECT ${sql.unsafe(INBOX_COLUMNS)} FROM input
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING request_id, dedupe_key, received_at, external_thread_id
      ), outbox AS (
        INSERT INTO delivery_outbox (request_id, target, thread_key, next_attempt_at)
        SELECT ins.request_id, r.target, ins.external_thread_id, ins.received_at
        FROM ins JOIN json_to_recordset(${routes}::json) AS r (request_id uuid, target text)
          ON r.request_id = ins.request_id
      )
      SELECT request_id, dedupe_key, received_at FROM ins
      UNION ALL
      SELECT request_id, dedupe_key, received_at FROM message_inbox WHERE dedupe_key IN (SELECT dedupe_key FROM input)`)

  interface Written {
    readonly inserted: ReadonlyArray<OwnerRow>
    /** request_id → why the database refused that row. */
    readonly refused: ReadonlyArray<readonly [string, string]>
  }

  /**
   * Inserts the rows; when the database refuses the statement's data, splits it in halves until each
   * refused row stands alone, so one bad row never fails its neighbours (a failed statement stored nothing).
   */
  const insertIsolating = (
    rows: ReadonlyArray<NewInboxRow>,
    inTransaction: boolean
  ): Effect.Effect<Written, SqlError.SqlError> =>
    // Inside a transaction a failed statement aborts it: each attempt gets its own savepoint (nested withTransaction).
    (inTransaction ? sql.withTransaction(insertStatement(rows)) : insertStatement(rows)).pipe(
      Effect.map((inserted): Written => ({ inserted, refused: [] })),
      Effect.catchIf((e) => SqlFailure.kindOf(e) === "refused", (error) => {
        if (rows.length === 1) {
          return Effect.succeed<Written>({ inserted: [], refused: [[rows[0]!.request_id, SqlFailure.describe(error)]] })
        }
        const half = Math.ceil(rows.length / 2)
        return Effect.zipWith(
          insertIsolating(rows.slice(0, half), inTransaction),
          insertIsolating(rows.slice(half), inTransaction),
          (a, b): Written => ({ inserted: [...a.inserted, ...b.inserted], refused: [...a.refused, ...b.refused] })
        )
      })
    )

  const insertUnguarded = (rows: ReadonlyArray<NewInboxRow>, inTransaction: boolean) =>
    Effect.gen(function*() {
      if (rows.length === 0) return []
      const { inserted, refused } = yield* insertIsolating(rows, inTransaction)
      const refusedById = new Map(refused)
      const byKey = new Map(inserted.map((o) => [o.dedupe_key, o]))
      const missing = [
        ...new Set(
          rows.filter((r) => !refusedById.has(r.request_id)).map((r) => r.dedupe_key).filter((k) => !byKey.has(k))
        )
      ]
      const existing = missing.length > 0 ? yield* owners(missing) : []
      const ownerOf = new Map([...existing, ...inserted].map((o) => [o.dedupe_key, o]))
      // Inbox rows are never deleted, so every key has an owner once the insert has run.
      return yield* Effect.forEach(rows, (r): Effect.Effect<InsertOutcome> => {
        const reason = refusedById.get(r.request_id)
        if (reason !== undefined) return Effect.succeed({ _tag: "Refused", reason })
        const owner = ownerOf.get(r.dedupe_key)
        return owner === undefined
          ? Effect.dieMessage("a dedupe key has no owner after its insert")
          : Effect.succeed({
            _tag: owner.request_id === r.request_id ? "Inserted" : "Duplicate",
            request_id: owner.request_id,
            received_at: owner.received_at
          })
      })
    })

  const insertMany = (rows: ReadonlyArray<NewInboxRow>) => guard(insertUnguarded(rows, false))

  /** A fenced commit is refused whole (nothing stored) when its process no longer holds the singleton. */
  const fenced = (fence: SingletonFence) =>
    Effect.zipRight(
      Metric.increment(Metric.tagged(fencedCommits, "singleton", fence.singleton)),
      Effect.fail(unavailable(`${fence.singleton} is held by another runner now: this runner's commits are refused until the cluster stops it here`))
    )

  const insertManyWithCheckpoint = (rows: ReadonlyArray<NewInboxRow>, checkpoint: CheckpointCommit) =>
    Effect.gen(function*() {
      // First, so that the share lock on the holder's row is taken before any row is written.
      if (checkpoint.fence !== undefined && !(yield* PgConnectorCheckpoints.holds(sql, checkpoint.fence))) {
        return yield* fenced(checkpoint.fence)
      }
      const outcomes = yield* insertUnguarded(rows, true)
      const stored = yield* PgConnectorCheckpoints.upsert(sql, checkpoint)
      return { outcomes, checkpoint: stored }
    }).pipe(sql.withTransaction, guard)

  const insert = (row: NewInboxRow) => Effect.map(insertMany([row]), (outcomes) => outcomes[0]!)

  const get = (requestId: string) =>
    sql<InboxRecord>`SELECT * FROM message_inbox WHERE request_id = ${requestId}`.pipe(
      Effect.map((rows) => Option.fromNullable(rows[0])),
      guard
    )

  const countByDedupeKey = (dedupeKey: string) =>
    sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM message_inbox WHERE dedupe_key = ${dedupeKey}`.pipe(
      Effect.map((rows) => rows[0]?.n ?? 0),
      guard
    )

  return InboxStore.of({ insert, insertMany, insertManyWithCheckpoint, get, countByDedupeKey })
})

export const layer = Layer.effect(InboxStore, make)
