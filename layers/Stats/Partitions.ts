/**
 * Day partitions of `connector_heartbeat_log` (UTC days, named by `partitionName`). Creating one is
 * idempotent and safe against a concurrent creator (another hub replica): a lost race is
 * recognised by the partition existing afterwards.
 */
import type { SqlError } from "@effect/sql"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DAY_MS, iso, partitionDay, partitionName } from "../../src/stats/Buckets.js"

/** Creates the partition of the UTC day starting at `dayMs` unless it exists; answers its name. */
export const ensureDay = (dayMs: number): Effect.Effect<string, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const name = partitionName(dayMs)
    const exists = sql<{ readonly oid: string | null }>`SELECT to_regclass(${name})::text AS oid`.pipe(
      Effect.map((rows) => rows[0]?.oid != null)
    )
    if (yield* exists) return name
    // The name comes from partitionName (digits only), so interpolating it is safe.
    yield* sql.unsafe(
      `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF connector_heartbeat_log
       FOR VALUES FROM ('${iso(dayMs)}') TO ('${iso(dayMs + DAY_MS)}')`
    ).pipe(Effect.catchAll((error) => Effect.flatMap(exists, (ok) => (ok ? Effect.void : Effect.fail(error)))))
    return name
  })

/** Ensures every day partition from the day holding `fromMs` to the day holding `toMs`. */
export const ensureRange = (fromMs: number, toMs: number) =>
  Effect.forEach(
    Array.from({ length: Math.max(0, Math.floor(toMs / DAY_MS) - Math.floor(fromMs / DAY_MS) + 1) }, (_, i) =>
      (Math.floor(fromMs / DAY_MS) + i) * DAY_MS),
    ensureDay
  )

/** Every day partition of the log with its day, oldest first (tables not named by partitionName are ignored). */
export const list = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'connector_heartbeat_log'::regclass`
  return rows
    .flatMap((r) => {
      const day = partitionDay(r.name)
      return day === undefined ? [] : [{ name: r.name, day }]
    })
    .sort((a, b) => a.day - b.day)
})

/** Drops one day partition; answers how many rows it held. */
export const drop = (name: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    if (partitionDay(name) === undefined) return 0
    const rows = yield* sql.unsafe<{ readonly n: string }>(`SELECT count(*) AS n FROM ${name}`)
    yield* sql.unsafe(`DROP TABLE IF EXISTS ${name}`)
    return Number(rows[0]?.n ?? 0)
  })
