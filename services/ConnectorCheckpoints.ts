/**
 * Hub-held connector checkpoints (issue 15, src/domain/Checkpoint.ts): read by GetCheckpoint and the hosted
 * connectors, listed and moved by `switchboard checkpoints`. The commit that matters, a cursor with the
 * batch it moves past, happens inside InboxStore.insertMany, in the transaction of the batch's rows.
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type { CheckpointInput, CheckpointKey, StoredCheckpoint } from "../src/domain/Checkpoint.js"

/** The database could not be reached or did not answer in time. */
export class CheckpointsUnavailable extends Schema.TaggedError<CheckpointsUnavailable>()("CheckpointsUnavailable", {
  message: Schema.String
}) {}

/**
 * A commit only while `holder` is the recorded holder of `singleton` (switchboard_singletons, services/Cluster.ts):
 * what a hosted connector's commits carry, so that a runner that lost the connector to another one but has not
 * noticed yet cannot move its cursor (the new holder resumes exactly where the last commit before it ended).
 */
export interface SingletonFence {
  readonly singleton: string
  readonly holder: string
}

/** A cursor to commit and who commits it (a token id, `in-process:<type>`, `cli`), fenced by a singleton or not. */
export interface CheckpointCommit {
  readonly input: CheckpointInput
  readonly by: string
  readonly fence?: SingletonFence
}

export interface ConnectorCheckpointsService {
  /** The checkpoint of one connector, None before its first commit. */
  readonly get: (key: CheckpointKey) => Effect.Effect<Option.Option<StoredCheckpoint>, CheckpointsUnavailable>
  /** Every checkpoint, by connector type then source. */
  readonly list: Effect.Effect<ReadonlyArray<StoredCheckpoint>, CheckpointsUnavailable>
  /** Commits a cursor on its own (no batch); answers it as stored. */
  readonly set: (commit: CheckpointCommit) => Effect.Effect<StoredCheckpoint, CheckpointsUnavailable>
}

export class ConnectorCheckpoints extends Context.Tag("switchboard/ConnectorCheckpoints")<
  ConnectorCheckpoints,
  ConnectorCheckpointsService
>() {}
