/** The message inbox: one row per accepted request, guarded by the unique dedupe key. */
import { Context, type Effect, type Option, Schema } from "effect"
import type { Attachment } from "../src/domain/Envelope.js"
import type { StoredCheckpoint } from "../src/domain/Checkpoint.js"
import type { CheckpointCommit } from "./ConnectorCheckpoints.js"

/** A new inbox row, built from a validated envelope by the ingest use case. */
export interface NewInboxRow {
  readonly request_id: string
  readonly dedupe_key: string
  readonly source_channel: string
  readonly source_provider: string
  readonly source_endpoint_identity: string
  readonly external_event_id: string | null
  readonly external_thread_id: string | null
  readonly sender_identity: string
  readonly observed_at: string
  readonly normalized_text: string
  readonly raw: unknown
  readonly attachments: ReadonlyArray<Attachment>
  readonly trace_context: unknown
  readonly policy_tier: string
  readonly ingestion_tier: string
  readonly received_at: Date
  /** Targets chosen by the router: their delivery_outbox rows are written atomically with a new inbox row. */
  readonly targets?: ReadonlyArray<string>
}

/** The row that owns a dedupe key, as stored. */
export interface InboxRecord extends NewInboxRow {
  readonly lifecycle_state: string
  readonly dispatch_outcomes: unknown
}

/** Dedupe is not an error: the store answers which row owns the key. */
export type StoredOutcome =
  | { readonly _tag: "Inserted"; readonly request_id: string; readonly received_at: Date }
  | { readonly _tag: "Duplicate"; readonly request_id: string; readonly received_at: Date }

/**
 * The database refused this row's data (a value validation should have caught): this row alone is not
 * stored, its neighbours in the same statement are. `reason` names the SQLSTATE, never the value.
 */
export interface Refused {
  readonly _tag: "Refused"
  readonly reason: string
}

export type InsertOutcome = StoredOutcome | Refused

/** The database could not be reached or did not answer in time. */
export class InboxUnavailable extends Schema.TaggedError<InboxUnavailable>()("InboxUnavailable", {
  message: Schema.String
}) {}

export interface InboxStoreService {
  /** Inserts the row unless its dedupe key is taken; answers the owner of the key either way. */
  readonly insert: (row: NewInboxRow) => Effect.Effect<InsertOutcome, InboxUnavailable>
  /**
   * Like `insert` for many rows in one round trip; outcomes in input order. Rows sharing a key: the first
   * wins. A row the database refuses is answered `Refused` alone; the other rows are stored.
   */
  readonly insertMany: (rows: ReadonlyArray<NewInboxRow>) => Effect.Effect<ReadonlyArray<InsertOutcome>, InboxUnavailable>
  /**
   * `insertMany` and a connector checkpoint in one transaction (issue 15): the cursor is stored if and only if
   * the rows are (refused rows are answered alone, as in `insertMany`, and do not stop the commit). `rows` may
   * be empty: then only the checkpoint is committed.
   */
  readonly insertManyWithCheckpoint: (
    rows: ReadonlyArray<NewInboxRow>,
    checkpoint: CheckpointCommit
  ) => Effect.Effect<{ readonly outcomes: ReadonlyArray<InsertOutcome>; readonly checkpoint: StoredCheckpoint }, InboxUnavailable>
  /** The stored row of a request. */
  readonly get: (requestId: string) => Effect.Effect<Option.Option<InboxRecord>, InboxUnavailable>
  /** How many rows hold this dedupe key (0 or 1: used by tests and checks). */
  readonly countByDedupeKey: (dedupeKey: string) => Effect.Effect<number, InboxUnavailable>
}

export class InboxStore extends Context.Tag("switchboard/InboxStore")<InboxStore, InboxStoreService>() {}
