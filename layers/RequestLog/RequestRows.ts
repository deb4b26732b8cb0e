/** Rows of the request log as Postgres answers them, and their mapping to the console's answer shapes. */
import { Option, Schema } from "effect"
import {
  type DeliveryAttempt,
  type DeliveryDetail,
  DeliveryStatus,
  Lifecycle,
  MAX_ATTEMPTS_SHOWN,
  type RequestDetail,
  type RequestSummary,
  type TargetOutcome
} from "../../src/domain/Console.js"
import * as Dedupe from "../../src/console/Dedupe.js"
import * as WebhookId from "../../src/delivery/WebhookId.js"

export interface SummaryRow {
  readonly request_id: string
  readonly dedupe_key: string
  readonly source_channel: string
  readonly source_provider: string
  readonly source_endpoint_identity: string
  readonly sender_identity: string
  readonly external_event_id: string | null
  readonly external_thread_id: string | null
  readonly observed_at: Date
  readonly received_at: Date
  readonly lifecycle_state: string
  readonly dispatch_outcomes: unknown
  readonly text_preview: string
  readonly text_truncated: boolean
}

export interface DetailRow extends SummaryRow {
  readonly normalized_text: string
  readonly raw: unknown
  readonly attachments: unknown
  readonly trace_context: unknown
  readonly policy_tier: string
  readonly ingestion_tier: string
}

export interface DeliveryRow {
  readonly target: string
  readonly status: string
  readonly attempts: number
  readonly paused: boolean
  readonly next_attempt_at: Date | null
  readonly last_status: number | null
  readonly last_error: string | null
  readonly last_attempt_at: Date | null
  readonly delivered_at: Date | null
}

export interface AttemptRow {
  readonly target: string
  readonly attempt: number
  readonly attempted_at: Date
  readonly status: number | null
  readonly latency_ms: number | null
  readonly outcome: string
  readonly error: string | null
  readonly next_attempt_at: Date | null
}

const iso = (d: Date) => d.toISOString()
const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString())

/** An outcome as the worker writes it into dispatch_outcomes (jsonb: timestamps as text with an offset). */
const StoredOutcome = Schema.Struct({
  target: Schema.String,
  status: DeliveryStatus,
  attempts: Schema.Number,
  last_error: Schema.NullOr(Schema.String),
  delivered_at: Schema.NullOr(Schema.String)
})
const decodeOutcome = Schema.decodeUnknownOption(StoredOutcome)

/** dispatch_outcomes as the API shows them; an element the hub did not write is left out rather than failing the page. */
const outcomesOf = (stored: unknown): ReadonlyArray<TargetOutcome> =>
  Array.isArray(stored)
    ? stored.flatMap((e: unknown) =>
      Option.match(decodeOutcome(e), {
        onNone: () => [],
        onSome: (o) => {
          const t = o.delivered_at === null ? NaN : Date.parse(o.delivered_at)
          return [{ ...o, delivered_at: Number.isNaN(t) ? null : new Date(t).toISOString() }]
        }
      })
    )
    : []

const isLifecycle = Schema.is(Lifecycle)
const isStatus = Schema.is(DeliveryStatus)
const OUTCOMES = new Set(["delivered", "retry", "dead"])
const isOutcome = (s: string): s is DeliveryAttempt["outcome"] => OUTCOMES.has(s)

/** A lifecycle_state the hub never writes would be a defect; show it as the row's plainest state rather than fail the page. */
const lifecycleOf = (s: string): Lifecycle => (isLifecycle(s) ? s : "accepted")

export const toSummary = (r: SummaryRow): RequestSummary => ({
  request_id: r.request_id,
  dedupe_key: r.dedupe_key,
  source: { channel: r.source_channel, provider: r.source_provider, endpoint_identity: r.source_endpoint_identity },
  sender_identity: r.sender_identity,
  external_event_id: r.external_event_id,
  external_thread_id: r.external_thread_id,
  observed_at: iso(r.observed_at),
  received_at: iso(r.received_at),
  lifecycle_state: lifecycleOf(r.lifecycle_state),
  outcomes: outcomesOf(r.dispatch_outcomes),
  text_preview: r.text_preview,
  text_truncated: r.text_truncated
})

const toAttempt = (a: AttemptRow): ReadonlyArray<DeliveryAttempt> =>
  isOutcome(a.outcome)
    ? [{
      attempt: a.attempt,
      attempted_at: iso(a.attempted_at),
      status: a.status,
      latency_ms: a.latency_ms,
      outcome: a.outcome,
      error: a.error,
      next_attempt_at: isoOrNull(a.next_attempt_at)
    }]
    : []

/**
 * A delivery with its history: `newestFirst` holds up to MAX_ATTEMPTS_SHOWN + 1 attempts, newest first;
 * one more than shown means older ones were left out.
 */
export const toDelivery = (requestId: string, d: DeliveryRow, newestFirst: ReadonlyArray<AttemptRow>): DeliveryDetail => ({
  target: d.target,
  webhook_id: WebhookId.of(requestId, d.target),
  status: isStatus(d.status) ? d.status : "pending",
  paused: d.paused,
  attempts: d.attempts,
  next_attempt_at: isoOrNull(d.next_attempt_at),
  last_status: d.last_status,
  last_error: d.last_error,
  last_attempt_at: isoOrNull(d.last_attempt_at),
  delivered_at: isoOrNull(d.delivered_at),
  history: newestFirst.slice(0, MAX_ATTEMPTS_SHOWN).reverse().flatMap(toAttempt),
  history_truncated: newestFirst.length > MAX_ATTEMPTS_SHOWN
})

export const toDetail = (
  r: DetailRow,
  deliveries: ReadonlyArray<DeliveryRow>,
  attempts: ReadonlyArray<AttemptRow>
): RequestDetail => {
  const byTarget = new Map<string, Array<AttemptRow>>()
  for (const a of attempts) {
    const list = byTarget.get(a.target)
    if (list === undefined) byTarget.set(a.target, [a])
    else list.push(a)
  }
  return {
    ...toSummary(r),
    normalized_text: r.normalized_text,
    raw: r.raw,
    attachments: Array.isArray(r.attachments) ? r.attachments : [],
    trace_context: r.trace_context,
    policy_tier: r.policy_tier,
    ingestion_tier: r.ingestion_tier,
    dedupe: Dedupe.derive(r.dedupe_key, {
      channel: r.source_channel,
      provider: r.source_provider,
      endpoint_identity: r.source_endpoint_identity,
      sender_identity: r.sender_identity
    }),
    deliveries: deliveries.map((d) => toDelivery(r.request_id, d, byTarget.get(d.target) ?? []))
  }
}
