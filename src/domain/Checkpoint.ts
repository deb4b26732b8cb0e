/**
 * Hub-held connector checkpoints (issue 15): a source cursor stored in Postgres per connector, committed in
 * the same transaction as the batch of inbox rows it moves past (`IngestBatch { envelopes, checkpoint }`), so
 * a connector that moves to another runner resumes exactly where the last accepted batch ended.
 *
 * A checkpoint belongs to a connector type and the source its events carry; a token may read or move it only
 * when its scope covers that source (the same rule as ingesting for it).
 */
import { Schema } from "effect"
import { ConnectorType } from "./Heartbeat.js"
import { Source } from "./Envelope.js"
import { jsonBytes, jsonIssue } from "./Text.js"

/** Largest cursor accepted, as compact JSON (Telegram's is a few bytes, Gmail's a history id). */
export const MAX_CURSOR_BYTES = 16 * 1024
/** Deepest nesting accepted inside a cursor. */
export const MAX_CURSOR_DEPTH = 16

/** A cursor: a JSON object of at most MAX_CURSOR_BYTES, storable as received, nesting at most MAX_CURSOR_DEPTH. */
export const CheckpointCursor = Schema.Record({ key: Schema.String, value: Schema.Unknown }).pipe(
  Schema.filter((cursor) => {
    const bytes = jsonBytes(cursor)
    if (bytes > MAX_CURSOR_BYTES) return `must be at most ${MAX_CURSOR_BYTES} bytes as JSON (got ${bytes})`
    const issue = jsonIssue(cursor, MAX_CURSOR_DEPTH)
    return issue === undefined ? true : { path: issue.path, message: issue.message }
  }),
  Schema.annotations({ identifier: "CheckpointCursor", description: "the connector's source cursor, a JSON object" })
)

/** Which checkpoint: the connector type and the source of its events. */
export const CheckpointKey = Schema.Struct({
  connector_type: ConnectorType,
  source: Source
}).annotations({ identifier: "CheckpointKey" })
export type CheckpointKey = typeof CheckpointKey.Type

/** A checkpoint to commit: the key and the cursor after the last event handled. */
export const CheckpointInput = Schema.Struct({
  connector_type: ConnectorType,
  source: Source,
  cursor: CheckpointCursor
}).annotations({ identifier: "CheckpointInput" })
export type CheckpointInput = typeof CheckpointInput.Type

/** A stored checkpoint, as the hub answers it. */
export const StoredCheckpoint = Schema.Struct({
  connector_type: Schema.String,
  source: Schema.Struct({ channel: Schema.String, provider: Schema.String, endpoint_identity: Schema.String }),
  cursor: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  /** ISO 8601, when it was last committed. */
  updated_at: Schema.String,
  /** Who committed it last: a token id, `in-process:<type>` for a hosted connector, or `cli`. */
  updated_by: Schema.String,
  /** How many times it was committed. */
  commits: Schema.Number
}).annotations({ identifier: "StoredCheckpoint" })
export type StoredCheckpoint = typeof StoredCheckpoint.Type

/** What GetCheckpoint answers: the checkpoint, or null before the first commit. */
export const CheckpointAnswer = Schema.Struct({ checkpoint: Schema.NullOr(StoredCheckpoint) }).annotations({
  identifier: "CheckpointAnswer"
})
export type CheckpointAnswer = typeof CheckpointAnswer.Type

/** `telegram/telegram/bot1` style, for messages. */
export const describeKey = (k: { readonly connector_type: string; readonly source: { readonly channel: string; readonly provider: string; readonly endpoint_identity: string } }) =>
  `${k.connector_type} ${k.source.channel}/${k.source.provider}/${k.source.endpoint_identity}`
