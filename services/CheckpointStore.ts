/**
 * Where a connector keeps its cursor between runs. Saves are atomic: after a crash at any point the
 * store holds either the previous or the new checkpoint, never a torn one.
 */
import { Context, type DateTime, type Effect, type Option, Schema } from "effect"
import type { CheckpointInput } from "../src/domain/Checkpoint.js"
import type { Cursor } from "./SourceConnector.js"

/** A saved cursor and when it was saved. */
export interface Checkpoint {
  /** The cursor exactly as saved. */
  readonly cursor: Cursor
  /** When it was saved (file modification time for the file store). */
  readonly updatedAt: DateTime.Utc
}

/**
 * What loading found: the checkpoint, none yet (a first start), or one that cannot be used (unreadable or
 * not a JSON object; `why` says which, without its content).
 */
export type CheckpointRead =
  | { readonly _tag: "Found"; readonly checkpoint: Checkpoint }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Corrupt"; readonly why: string }

/** The checkpoint could not be written (disk full, permission denied, …); the old one is still in place. */
export class CheckpointSaveFailed extends Schema.TaggedError<CheckpointSaveFailed>()("CheckpointSaveFailed", {
  location: Schema.String,
  message: Schema.String
}) {}

export interface CheckpointStoreService {
  /** Where the checkpoint lives (a file path, or "memory"), for logs. */
  readonly location: string
  /** The saved checkpoint; None when missing or corrupt (a corrupt one is logged once, naming the location). */
  readonly load: Effect.Effect<Option.Option<Checkpoint>>
  /** Like `load`, saying whether a missing checkpoint was never saved or is corrupt (counted by the runtime). */
  readonly read: Effect.Effect<CheckpointRead>
  /** Replaces the checkpoint atomically and answers it as stored. */
  readonly save: (cursor: Cursor) => Effect.Effect<Checkpoint, CheckpointSaveFailed>
  /**
   * Set when the hub holds the checkpoint (issue 15): the checkpoint to send with an IngestBatch so the hub
   * commits the cursor in the same transaction as the batch's rows. The runtime then submits in order, one
   * call at a time, each carrying the cursor after its last event.
   */
  readonly withBatch?: (cursor: Cursor) => CheckpointInput
}

export class CheckpointStore extends Context.Tag("switchboard/CheckpointStore")<
  CheckpointStore,
  CheckpointStoreService
>() {}
