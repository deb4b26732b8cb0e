/** The delivery outbox and its dead letters: claiming due rows, recording outcomes, listing and replaying. */
import { Context, type Effect, type Redacted, Schema } from "effect"
import type { AttemptsMinute, ReplayedDelivery, TargetBacklog } from "../src/domain/Console.js"
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
  /** The target is paused (issue 12): the row is not attempted but parked (`park`) until it is resumed. */
  readonly paused: boolean
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
  /** How long the attempt took, start of the request to the answer (null when not measured). */
  readonly latency_ms: number | null
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
  /**
   * Pending rows by target, and the request id (UUIDv7: its acceptance time) of the oldest one not parked by
   * a pause (null when every pending row of the target is parked). Every live target is listed, with count 0
   * when nothing waits, so its gauges exist from the first sample on.
   */
  readonly pending: ReadonlyArray<{ readonly target: string; readonly count: number; readonly oldest_request_id: string | null }>
  readonly deadLetters: ReadonlyArray<{ readonly target: string; readonly count: number }>
}

/** A page of dead letters (newest first) and the id after which the next one starts. */
export interface DeadLetterPage {
  readonly items: ReadonlyArray<DeadLetterRecord>
  readonly next: string | undefined
}

/** Backlog per live target and attempts per minute over the last hour (GET /api/deliveries). */
export interface DeliveryOverview {
  readonly targets: ReadonlyArray<TargetBacklog>
  /** 60 entries, oldest first, the minute `now` is in last. */
  readonly attempts_per_minute: ReadonlyArray<AttemptsMinute>
}

/** No accepted request has this id. */
export class RequestNotFound extends Schema.TaggedError<RequestNotFound>()("RequestNotFound", {
  request_id: Schema.String,
  message: Schema.String
}) {}

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

  // ---- issue 12: the operator console ----

  /** Dead letters newest first (dead_at DESC, id DESC), keyset-paged after the letter `after`. */
  readonly listDeadLetterPage: (query: {
    readonly target: string | null
    readonly since: Date | null
    readonly after: string | undefined
    readonly limit: number
  }) => Effect.Effect<DeadLetterPage, DeliveryStoreUnavailable>
  /**
   * Delivers one request again, whatever its state: to its own targets (`targets` null) or to the given live
   * targets (a target it was never routed to gets a new delivery). Each delivery becomes pending now with a
   * fresh attempt budget and the SAME webhook-id (WebhookId.of(request_id, target)); a delivery that is
   * already pending is left as it is (`already_pending`); unreplayed dead letters of replayed deliveries are
   * stamped replayed. Attempt history is kept. One transaction.
   */
  readonly replayRequest: (
    requestId: string,
    targets: ReadonlyArray<string> | null
  ) => Effect.Effect<ReadonlyArray<ReplayedDelivery>, DeliveryStoreUnavailable | RequestNotFound | TargetNotFound>
  /** `replayRequest` for many requests in one transaction (unknown ids are skipped); answers the totals. */
  readonly replayRequests: (
    requestIds: ReadonlyArray<string>,
    targets: ReadonlyArray<string> | null
  ) => Effect.Effect<
    { readonly replayed: number; readonly already_pending: number },
    DeliveryStoreUnavailable | TargetNotFound
  >
  /**
   * Pauses a live target: marks it paused and parks its pending rows that are not leased (they are not due
   * until resumed; nothing is lost, thread order is kept). Answers the pause time and how many rows it holds.
   * Pausing a paused target changes nothing and answers the same.
   */
  readonly pauseTarget: (
    name: string
  ) => Effect.Effect<{ readonly paused_at: Date; readonly held: number }, DeliveryStoreUnavailable | TargetNotFound>
  /** Resumes a target: its parked rows are due now. Answers how many. Resuming a running target answers 0. */
  readonly resumeTarget: (
    name: string
  ) => Effect.Effect<{ readonly released: number }, DeliveryStoreUnavailable | TargetNotFound>
  /**
   * Releases claimed rows of paused targets without an attempt: parked while their target is still paused
   * (checked under a lock on the target row, so a concurrent resume never leaves a row parked), else due
   * again at once. Fenced by the claim token. Answers how many rows were parked.
   */
  readonly park: (
    rows: ReadonlyArray<{ readonly request_id: string; readonly target: string; readonly claim_token: string }>
  ) => Effect.Effect<number, DeliveryStoreUnavailable>
  /** Backlog per live target and attempts per minute over the hour before `now`. */
  readonly overview: (now: Date) => Effect.Effect<DeliveryOverview, DeliveryStoreUnavailable>
}

export class DeliveryStore extends Context.Tag("switchboard/DeliveryStore")<DeliveryStore, DeliveryStoreService>() {}
