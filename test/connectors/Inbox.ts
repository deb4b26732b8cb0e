/** Helpers for integration tests that watch a real hub's inbox and a connector's checkpoint file. */
import { FileSystem } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { type Duration, Effect, Option, Schedule } from "effect"

/** Polls `check` every 100 ms until it holds; fails after `limit` (a hang guard, not a timing assertion). */
export const eventually = <E, R>(check: Effect.Effect<boolean, E, R>, what: string, limit: Duration.DurationInput = "90 seconds") =>
  check.pipe(
    Effect.repeat({ schedule: Schedule.spaced("100 millis"), until: (ok) => ok }),
    Effect.timeoutFail({ duration: limit, onTimeout: () => new Error(`timed out waiting for ${what}`) })
  )

export const inbox = (endpoint: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number; distinct_ids: number; low: number | null; high: number | null }>`
      SELECT count(*)::int AS n, count(DISTINCT external_event_id)::int AS distinct_ids,
             min(external_event_id::int) AS low, max(external_event_id::int) AS high
      FROM message_inbox WHERE source_endpoint_identity = ${endpoint}`.pipe(Effect.map((rows) => rows[0]!)))

export const checkpointNext = (file: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    fs.readFileString(file).pipe(
      Effect.map((text) => Option.some(Number((JSON.parse(text) as { next: number }).next))),
      Effect.orElseSucceed(() => Option.none<number>())
    ))


/** The `next` of a sandbox connector's hub-held checkpoint (connector_checkpoints, issue 15). */
export const hubCheckpointNext = (endpoint: string, connectorType = "sandbox") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly cursor: { readonly next?: number } }>`
      SELECT cursor FROM connector_checkpoints
      WHERE connector_type = ${connectorType} AND source_endpoint_identity = ${endpoint}`.pipe(
      Effect.map((rows) => Option.flatMap(Option.fromNullable(rows[0]), (r) => Option.fromNullable(r.cursor.next))),
      Effect.orElseSucceed(() => Option.none<number>())
    ))
