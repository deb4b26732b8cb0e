/** ConnectorCheckpoints on Postgres (connector_checkpoints, migration 0068); `upsert` is shared with PgInboxStore. */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option } from "effect"
import type { CheckpointKey, StoredCheckpoint } from "../../src/domain/Checkpoint.js"
import {
  type CheckpointCommit,
  ConnectorCheckpoints,
  CheckpointsUnavailable,
  type SingletonFence
} from "../../services/ConnectorCheckpoints.js"
import * as SqlFailure from "../Database/SqlFailure.js"

/** A connector_checkpoints row as selected (commits is bigint: text from the driver). */
export interface CheckpointRow {
  readonly connector_type: string
  readonly source_channel: string
  readonly source_provider: string
  readonly source_endpoint_identity: string
  readonly cursor: Record<string, unknown>
  readonly updated_at: Date
  readonly updated_by: string
  readonly commits: string | number
}

const COLUMNS = "connector_type, source_channel, source_provider, source_endpoint_identity, cursor, updated_at, updated_by, commits"

export const toStored = (r: CheckpointRow): StoredCheckpoint => ({
  connector_type: r.connector_type,
  source: { channel: r.source_channel, provider: r.source_provider, endpoint_identity: r.source_endpoint_identity },
  cursor: r.cursor,
  updated_at: r.updated_at.toISOString(),
  updated_by: r.updated_by,
  commits: Number(r.commits)
})

/**
 * Whether `fence.holder` is the recorded holder of `fence.singleton`, with the row share-locked until the
 * caller's transaction ends: a new holder's record (ClusterLive) waits for that commit, and refuses every
 * commit of the old holder after its own.
 */
export const holds = (sql: SqlClient.SqlClient, fence: SingletonFence) =>
  sql<{ readonly held: number }>`SELECT 1 AS held FROM switchboard_singletons
    WHERE name = ${fence.singleton} AND holder = ${fence.holder} FOR SHARE`.pipe(Effect.map((rows) => rows.length > 0))

/** Inserts or replaces one checkpoint (run by the caller, inside its transaction when it has one). */
export const upsert = (sql: SqlClient.SqlClient, commit: CheckpointCommit) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const { connector_type, cursor, source } = commit.input
    return sql<CheckpointRow>`
      INSERT INTO connector_checkpoints (connector_type, source_channel, source_provider, source_endpoint_identity,
        cursor, updated_at, updated_by)
      VALUES (${connector_type}, ${source.channel}, ${source.provider}, ${source.endpoint_identity},
        ${JSON.stringify(cursor)}::jsonb, ${new Date(now)}, ${commit.by})
      ON CONFLICT (connector_type, source_channel, source_provider, source_endpoint_identity) DO UPDATE
        SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,
            commits = connector_checkpoints.commits + 1
      RETURNING ${sql.unsafe(COLUMNS)}`
  }).pipe(Effect.map((rows) => toStored(rows[0]!)))

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const guard = SqlFailure.guard((reason) => new CheckpointsUnavailable({ message: reason }))

  const get = (key: CheckpointKey) =>
    sql<CheckpointRow>`SELECT ${sql.unsafe(COLUMNS)} FROM connector_checkpoints
      WHERE connector_type = ${key.connector_type} AND source_channel = ${key.source.channel}
        AND source_provider = ${key.source.provider} AND source_endpoint_identity = ${key.source.endpoint_identity}`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toStored)),
      guard
    )

  const list = sql<CheckpointRow>`SELECT ${sql.unsafe(COLUMNS)} FROM connector_checkpoints
    ORDER BY connector_type, source_channel, source_provider, source_endpoint_identity`.pipe(
    Effect.map((rows) => rows.map(toStored)),
    guard
  )

  const set = (commit: CheckpointCommit) => guard(upsert(sql, commit))

  return ConnectorCheckpoints.of({ get, list, set })
})

export const layer = Layer.effect(ConnectorCheckpoints, make)
