/** The delivery outbox and its dead letters: claiming due rows, recording outcomes, listing and replaying. */
import { Context, type Effect, type Redacted, Schema } from "effect"
import type { InboxRecord } from "./InboxStore.js"
import type { TargetNotFound } from "./RoutingStore.js"

/** An outbox row leased to one worker, with what it needs to deliver it. */
export interface ClaimedDelivery {
  readonly request_id: string
  readonly target: string
  readonly webhook_id: string
  /** Attempts made before this one. */
  readonly attempts: number
  /** Fences the outcome: it is recorded only while this claim still holds the row. */
  readonly claim_token: string
  /** The target's URL and secret; null when the target was removed after routing. */
  readonly endpoint: { readonly url: string; readonly secret: Redacted.Redacted<string> } | null
  /** The accepted request. */
  readonly request: InboxRecord
  /** An action target's action, body template and owner token (issue 10); absent for webhook targets. */
  readonly action?: { readonly name: string; readonly template: unknown; readonly owner: string }
}

/** What one attempt decided. */
export type AttemptResult =
  | { readonly _tag: "Delivered"; readonly status: number }
  | { readonly _tag: "Retry"; readonly status: number | null; readonly error: string; readonly next_attempt_at: Date }
  | { readonly _tag: "Dead"; readonly status: number | null; readonly error: string }

/** One finished attempt, to record. */
export interface CompletedAttempt {
  readonly request_id: string
  readonly target: string
  readonly claim_token: string
  /** Attempts including this one. */
  readonly attempts: number
  readonly attempted_at: Date
  readonly result: AttemptResult
}

/** What was recorded for an attempt (attempts whose claim had expired are not recorded). */
export interface RecordedAttempt {
  readonly request_id: string
  readonly target: string
  readonly status: "pending" | "delivered" | "dead_lettered"
  readonly received_at: Date
}

export const DeadLetterRecord = Schema.Struct({
  id: Schema.String,
  request_id: Schema.String,
  target: Schema.String,
  webhook_id: Schema.String,
  attempts: Schema.Number,
  last_status: Schema.NullOr(Schema.Number),
  last_error: Schema.String,
  dead_at: Schema.String,
  replayed_at: Schema.NullOr(Schema.String)
}).annotations({ identifier: "DeadLetterRecord" })
export type DeadLetterRecord = typeof DeadLetterRecord.Type

/** A replay answer: the letter is pending delivery again, or it had been replayed before. */
export type ReplayResult = "replayed" | "already_replayed"

/** Outbox rows waiting for delivery and dead letters not replayed, by target. */
export interface DeliveryDepth {
  readonly pending: ReadonlyArray<{ readonly target: string; readonly count: number }>
  readonly deadLetters: ReadonlyArray<{ readonly target: string; readonly count: number }>
}

/** The database could not be reached. */
export class DeliveryStoreUnavailable extends Schema.TaggedError<DeliveryStoreUnavailable>()("DeliveryStoreUnavailable", {
  message: Schema.String
}) {}

/** No dead letter has this id. */
export class DeadLetterNotFound extends Schema.TaggedError<DeadLetterNotFound>()("DeadLetterNotFound", {
  id: Schema.String,
  message: Schema.String
}) {}

export interface DeliveryStoreService {
  /**
   * Leases up to `limit` due rows (FOR UPDATE SKIP LOCKED) for `leaseMs`, never a row that waits behind an
   * earlier pending row of the same (target, external_thread_id).
   */
  readonly claim: (
    options: { readonly limit: number; readonly leaseMs: number; readonly workerId: string }
  ) => Effect.Effect<ReadonlyArray<ClaimedDelivery>, DeliveryStoreUnavailable>
  /** Records outcomes, writes dead letters, and updates the inbox lifecycle_state and dispatch_outcomes. */
  readonly complete: (
    attempts: ReadonlyArray<CompletedAttempt>
  ) => Effect.Effect<ReadonlyArray<RecordedAttempt>, DeliveryStoreUnavailable>
  /**
   * Releases claimed rows without an attempt (their target's breaker is open): due again at `until`,
   * attempts and last outcome unchanged; fenced by the claim token like `complete`. Answers how many.
   */
  readonly postpone: (
    rows: ReadonlyArray<{ readonly request_id: string; readonly target: string; readonly claim_token: string }>,
    until: Date
  ) => Effect.Effect<number, DeliveryStoreUnavailable>
  /** Dead letters, newest first. */
  readonly listDeadLetters: (
    filter: { readonly target: string | null; readonly since: Date | null }
  ) => Effect.Effect<ReadonlyArray<DeadLetterRecord>, DeliveryStoreUnavailable>
  /** Makes a dead letter's delivery pending again with the same webhook-id, once. */
  readonly replay: (
    id: string
  ) => Effect.Effect<ReplayResult, DeliveryStoreUnavailable | DeadLetterNotFound | TargetNotFound>
  /** Replays every dead letter of a target not replayed yet; answers how many. */
  readonly replayAll: (target: string) => Effect.Effect<number, DeliveryStoreUnavailable | TargetNotFound>
  /** Pending rows and unreplayed dead letters by target. */
  readonly depth: Effect.Effect<DeliveryDepth, DeliveryStoreUnavailable>
}

export class DeliveryStore extends Context.Tag("switchboard/DeliveryStore")<DeliveryStore, DeliveryStoreService>() {}
