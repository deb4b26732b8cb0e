/** What the cluster tests read back from the shared database: inbox counts per source, hub-held cursors, rollup bookkeeping. */
import { SqlClient } from "@effect/sql"
import { Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Migrations from "../../../layers/Database/Migrations.js"
import * as PgDatabase from "../../../layers/Database/PgDatabase.js"

/** The database at `url`, migrated by the test before any hub starts. */
export const database = (url: string) =>
  Layer.provideMerge(Migrations.layer, PgDatabase.layer(Redacted.make(url), { ...PgDatabase.defaults, poolSize: 4 }))

/** A directory for the hubs' logs and data, kept after the run (test-results/ is not committed). */
export const runDir = (name: string) =>
  Effect.sync(() => {
    const dir = Path.resolve(import.meta.dirname, "../../../test-results/cluster", `${name}-${Date.now().toString(36)}`)
    Fs.mkdirSync(dir, { recursive: true })
    return dir
  })

export interface InboxCount {
  readonly n: number
  readonly ids: number
  readonly keys: number
  readonly low: number | null
  readonly high: number | null
}

/** Rows of one source in message_inbox: all, distinct external_event_id, distinct dedupe_key, lowest and highest id. */
export const inbox = (channel: string, endpoint: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<InboxCount>`
      SELECT count(*)::int AS n, count(DISTINCT external_event_id)::int AS ids, count(DISTINCT dedupe_key)::int AS keys,
             min(external_event_id::bigint)::int AS low, max(external_event_id::bigint)::int AS high
      FROM message_inbox WHERE source_channel = ${channel} AND source_endpoint_identity = ${endpoint}`).pipe(
    Effect.map((rows): InboxCount => rows[0] ?? { n: 0, ids: 0, keys: 0, low: null, high: null }),
    Effect.orDie
  )

/** The hub-held cursor of one connector (connector_checkpoints), None before its first commit. */
export const checkpoint = (connectorType: string, endpoint: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly cursor: unknown; readonly commits: string }>`
      SELECT cursor, commits FROM connector_checkpoints
      WHERE connector_type = ${connectorType} AND source_endpoint_identity = ${endpoint}`).pipe(
    Effect.map((rows) => Option.fromNullable(rows[0])),
    Effect.orDie
  )

export interface RollupRun {
  readonly kind: string
  readonly bucket: Date
  readonly computations: number
  readonly runner: string | null
}

export const rollupRuns = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<RollupRun>`SELECT kind, bucket, computations, runner FROM stats_rollup_runs ORDER BY kind, bucket`).pipe(Effect.orDie)

/** Polls `check` every 200 ms until it holds; dies naming `what` after `limit` (a hang guard, not a timing assertion). */
export const eventually = <R>(what: string, check: Effect.Effect<boolean, never, R>, limit: Duration.DurationInput = "60 seconds") =>
  check.pipe(
    Effect.repeat({ schedule: Schedule.spaced(Duration.millis(200)), until: (ok) => ok }),
    Effect.timeoutFail({ duration: limit, onTimeout: () => new Error(`still waiting for: ${what}`) }),
    Effect.orDie,
    Effect.asVoid
  )
