/**
 * Shapes of the operator console API (issue 12), snake_case JSON. Every route answers `{ data, meta }`;
 * lists are keyset-paged: `limit` and `cursor` in, `meta.next_cursor` out (absent on the last page).
 * Errors are 4xx with `{ _tag, message }` (400 ValidationError naming the parameter, 401, 403 naming the
 * role needed, 404 NotFound, 409 Conflict), 503 Unavailable when the database cannot be reached.
 * Timestamps are ISO 8601 UTC strings. The schemas carry no transformations: answers are built to their
 * types and sent as plain JSON; the API tests decode every answer with them.
 *
 *   GET    /api/requests?channel&provider&endpoint&sender&lifecycle&since&until&q&cursor&limit → RequestListResponse
 *   GET    /api/requests/{id}                        → RequestDetailResponse
 *   GET    /api/requests/by-key/{dedupe_key}         → RequestDetailResponse
 *   POST   /api/requests/{id}/replay {targets?}      → ReplayResponse
 *   POST   /api/requests/replay {filter, targets?, dry_run?, limit?} → BulkReplayResponse
 *   GET    /api/targets                              → TargetListResponse
 *   POST   /api/targets {name, url, secret?} | {name, action, template, owner} → TargetCreatedResponse (201)
 *   PATCH  /api/targets/{name} {url?, rotate_secret?} → TargetCreatedResponse
 *   DELETE /api/targets/{name}                       → TargetRemovedResponse
 *   POST   /api/targets/{name}/pause | /resume       → TargetPauseResponse
 *   POST   /api/targets/{name}/test                  → TargetTestResponse
 *   GET    /api/routes                               → RouteListResponse
 *   POST   /api/routes {…rule}                       → RouteResponse (201)
 *   PATCH  /api/routes/{id} {…fields}                → RouteResponse
 *   DELETE /api/routes/{id}                          → RouteResponse
 *   POST   /api/routes/evaluate {channel, provider, endpoint_identity, sender_identity, normalized_text} → RouteEvaluationResponse
 *   GET    /api/deadletters?target&since&cursor&limit → DeadLetterListResponse
 *   POST   /api/deadletters/{id}/replay              → DeadLetterReplayResponse
 *   POST   /api/deadletters/replay {target}          → DeadLetterReplayAllResponse
 *   GET    /api/deliveries                           → DeliveriesResponse
 *   GET    /api/status                               → HubStatusResponse
 */
import { Schema } from "effect"

const Timestamp = Schema.String.annotations({ description: "ISO 8601 UTC timestamp" })
const Count = Schema.Number.annotations({ description: "a non-negative whole number" })

export const DEFAULT_PAGE_LIMIT = 50
export const MAX_PAGE_LIMIT = 200
/** Characters of normalized_text in a list row's `text_preview`. */
export const PREVIEW_CHARS = 160
/** Attempts shown per delivery in a request's detail (the newest ones). */
export const MAX_ATTEMPTS_SHOWN = 100
/** Requests one bulk replay call replays at most (pass meta.next_cursor to go on). */
export const MAX_BULK_REPLAY = 1000
export const DEFAULT_BULK_REPLAY = 100
/** A dry run counts at most this many matching requests (`matched_exact: false` beyond). */
export const MAX_DRY_RUN_COUNT = 100_000
/** `q` must be at least this long: a trigram index cannot serve shorter searches. */
export const MIN_QUERY_CHARS = 3
export const MAX_QUERY_CHARS = 200

export const Lifecycle = Schema.Literal("accepted", "routed", "delivered", "partially_failed", "dead_lettered")
export type Lifecycle = typeof Lifecycle.Type

export const DeliveryStatus = Schema.Literal("pending", "delivered", "dead_lettered")
export type DeliveryStatus = typeof DeliveryStatus.Type

/** One target's outcome as kept on the inbox row (dispatch_outcomes). */
export const TargetOutcome = Schema.Struct({
  target: Schema.String,
  status: DeliveryStatus,
  attempts: Count,
  last_error: Schema.NullOr(Schema.String),
  delivered_at: Schema.NullOr(Timestamp)
}).annotations({ identifier: "TargetOutcome" })
export type TargetOutcome = typeof TargetOutcome.Type

export const RequestSource = Schema.Struct({
  channel: Schema.String,
  provider: Schema.String,
  endpoint_identity: Schema.String
}).annotations({ identifier: "RequestSource" })

const summaryFields = {
  request_id: Schema.String,
  dedupe_key: Schema.String,
  source: RequestSource,
  sender_identity: Schema.String,
  external_event_id: Schema.NullOr(Schema.String),
  external_thread_id: Schema.NullOr(Schema.String),
  observed_at: Timestamp,
  received_at: Timestamp,
  lifecycle_state: Lifecycle,
  outcomes: Schema.Array(TargetOutcome),
  /** The first PREVIEW_CHARS characters of normalized_text. */
  text_preview: Schema.String,
  text_truncated: Schema.Boolean
}

export const RequestSummary = Schema.Struct(summaryFields).annotations({ identifier: "RequestSummary" })
export type RequestSummary = typeof RequestSummary.Type

/** One HTTP (or action) attempt of one delivery. */
export const DeliveryAttempt = Schema.Struct({
  /** 1 for the first attempt; a replay starts again at 1. */
  attempt: Count,
  attempted_at: Timestamp,
  /** The receiver's HTTP status; null when no answer came (timeout, refused connection). */
  status: Schema.NullOr(Schema.Number),
  latency_ms: Schema.NullOr(Schema.Number),
  outcome: Schema.Literal("delivered", "retry", "dead"),
  error: Schema.NullOr(Schema.String),
  /** When the next attempt was scheduled (outcome retry). */
  next_attempt_at: Schema.NullOr(Timestamp)
}).annotations({ identifier: "DeliveryAttempt" })
export type DeliveryAttempt = typeof DeliveryAttempt.Type

/** One (request, target) delivery with its whole attempt history. */
export const DeliveryDetail = Schema.Struct({
  target: Schema.String,
  webhook_id: Schema.String,
  status: DeliveryStatus,
  /** The target is paused: this delivery waits until it is resumed. */
  paused: Schema.Boolean,
  attempts: Count,
  /** When a pending delivery is next tried; null otherwise (and while its target is paused). */
  next_attempt_at: Schema.NullOr(Timestamp),
  last_status: Schema.NullOr(Schema.Number),
  last_error: Schema.NullOr(Schema.String),
  last_attempt_at: Schema.NullOr(Timestamp),
  delivered_at: Schema.NullOr(Timestamp),
  /** Newest last, at most MAX_ATTEMPTS_SHOWN (the oldest are left out; `history_truncated`). */
  history: Schema.Array(DeliveryAttempt),
  history_truncated: Schema.Boolean
}).annotations({ identifier: "DeliveryDetail" })
export type DeliveryDetail = typeof DeliveryDetail.Type

/** Which DESIGN.md §5.2 rule made the dedupe key, in words. */
export const DedupeDerivation = Schema.Struct({
  key: Schema.String,
  /** `unrecognized`: a key ingest does not make (a row written by other means, e.g. generated test data). */
  rule: Schema.Literal("idempotency_key", "external_event_id", "content_hash", "unrecognized"),
  explanation: Schema.String
}).annotations({ identifier: "DedupeDerivation" })
export type DedupeDerivation = typeof DedupeDerivation.Type

export const RequestDetail = Schema.Struct({
  ...summaryFields,
  normalized_text: Schema.String,
  raw: Schema.Unknown,
  attachments: Schema.Array(Schema.Unknown),
  trace_context: Schema.Unknown,
  policy_tier: Schema.String,
  ingestion_tier: Schema.String,
  dedupe: DedupeDerivation,
  deliveries: Schema.Array(DeliveryDetail)
}).annotations({ identifier: "RequestDetail" })
export type RequestDetail = typeof RequestDetail.Type

const PageMeta = Schema.Struct({
  limit: Count,
  count: Count,
  next_cursor: Schema.optional(Schema.String)
}).annotations({ identifier: "PageMeta" })

export const RequestListResponse = Schema.Struct({
  data: Schema.Array(RequestSummary),
  meta: PageMeta
}).annotations({ identifier: "RequestListResponse" })

export const RequestDetailResponse = Schema.Struct({
  data: RequestDetail,
  meta: Schema.Struct({})
}).annotations({ identifier: "RequestDetailResponse" })

/** The filter of the list and of a bulk replay: the list's query parameters, by the same names. */
export const RequestFilterParams = Schema.Struct({
  channel: Schema.optional(Schema.String),
  provider: Schema.optional(Schema.String),
  endpoint: Schema.optional(Schema.String.annotations({ description: "source.endpoint_identity" })),
  sender: Schema.optional(Schema.String.annotations({ description: "sender.identity" })),
  lifecycle: Schema.optional(Schema.String.annotations({ description: "accepted, routed, delivered, partially_failed or dead_lettered" })),
  since: Schema.optional(Schema.String.annotations({ description: "received at or after (RFC 3339, or a lookback such as 24h)" })),
  until: Schema.optional(Schema.String.annotations({ description: "received before (RFC 3339, or a lookback such as 1h)" })),
  q: Schema.optional(Schema.String.annotations({ description: `substring of normalized_text, ${MIN_QUERY_CHARS} to ${MAX_QUERY_CHARS} characters, any case` }))
}).annotations({ identifier: "RequestFilter" })
export type RequestFilterParams = typeof RequestFilterParams.Type

export const ListParams = Schema.Struct({
  ...RequestFilterParams.fields,
  cursor: Schema.optional(Schema.String.annotations({ description: "meta.next_cursor of the previous page" })),
  limit: Schema.optional(Schema.String.annotations({ description: `1 to ${MAX_PAGE_LIMIT}, default ${DEFAULT_PAGE_LIMIT}` }))
})

export const ReplayPayload = Schema.Struct({
  targets: Schema.optional(Schema.Array(Schema.String).annotations({
    description: "live targets to deliver to (default: the request's own targets)"
  }))
}).annotations({ identifier: "ReplayRequest" })

export const ReplayResult = Schema.Literal("replayed", "already_pending")
export type ReplayResult = typeof ReplayResult.Type

export const ReplayedDelivery = Schema.Struct({
  target: Schema.String,
  /** The same webhook-id as the original delivery: a receiver deduping by it sees a redelivery. */
  webhook_id: Schema.String,
  result: ReplayResult
}).annotations({ identifier: "ReplayedDelivery" })
export type ReplayedDelivery = typeof ReplayedDelivery.Type

export const ReplayResponse = Schema.Struct({
  data: Schema.Struct({ request_id: Schema.String, deliveries: Schema.Array(ReplayedDelivery) }),
  meta: Schema.Struct({})
}).annotations({ identifier: "ReplayResponse" })

export const BulkReplayPayload = Schema.Struct({
  filter: RequestFilterParams,
  targets: Schema.optional(Schema.Array(Schema.String)),
  dry_run: Schema.optional(Schema.Boolean),
  limit: Schema.optional(Schema.Number.annotations({ description: `requests per call, 1 to ${MAX_BULK_REPLAY}, default ${DEFAULT_BULK_REPLAY}` })),
  cursor: Schema.optional(Schema.String.annotations({ description: "meta.next_cursor of the previous call, to go on" }))
}).annotations({ identifier: "BulkReplayRequest" })

export const BulkReplayResponse = Schema.Struct({
  data: Schema.Struct({
    dry_run: Schema.Boolean,
    /** Dry run: requests matching the filter (at most MAX_DRY_RUN_COUNT counted). Else: requests replayed by this call. */
    matched: Count,
    matched_exact: Schema.Boolean,
    /** Deliveries made pending again (0 on a dry run). */
    replayed: Count,
    /** Deliveries already pending, left as they were. */
    already_pending: Count
  }),
  meta: Schema.Struct({ limit: Count, next_cursor: Schema.optional(Schema.String) })
}).annotations({ identifier: "BulkReplayResponse" })

export const TargetView = Schema.Struct({
  name: Schema.String,
  kind: Schema.Literal("webhook", "action"),
  /** The URL with any password masked; `action:<name>` for an action target. */
  url: Schema.String,
  secret_fingerprint: Schema.String,
  created_at: Timestamp,
  paused_at: Schema.NullOr(Timestamp),
  removed_at: Schema.NullOr(Timestamp)
}).annotations({ identifier: "Target" })
export type TargetView = typeof TargetView.Type

export const TargetListResponse = Schema.Struct({
  data: Schema.Array(TargetView),
  meta: Schema.Struct({ count: Count })
}).annotations({ identifier: "TargetListResponse" })

export const TargetCreatePayload = Schema.Struct({
  name: Schema.String,
  url: Schema.optional(Schema.String),
  secret: Schema.optional(Schema.String.annotations({ description: "whsec_ + base64 of 24-64 bytes; default: generated and answered once" })),
  action: Schema.optional(Schema.String),
  template: Schema.optional(Schema.String),
  owner: Schema.optional(Schema.String)
}).annotations({ identifier: "TargetCreateRequest" })

export const TargetPatchPayload = Schema.Struct({
  url: Schema.optional(Schema.String),
  rotate_secret: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "TargetPatchRequest" })

export const TargetCreatedResponse = Schema.Struct({
  data: Schema.Struct({
    target: TargetView,
    /** The signing secret, answered only when the hub generated it (creation, rotation); never again. */
    secret: Schema.optional(Schema.String)
  }),
  meta: Schema.Struct({})
}).annotations({ identifier: "TargetCreatedResponse" })

export const TargetRemovedResponse = Schema.Struct({
  data: Schema.Struct({ target: TargetView, routes_removed: Count }),
  meta: Schema.Struct({})
}).annotations({ identifier: "TargetRemovedResponse" })

export const TargetPauseResponse = Schema.Struct({
  data: Schema.Struct({
    target: TargetView,
    /** Pause: pending deliveries now held; resume: held deliveries due again now. */
    deliveries: Count
  }),
  meta: Schema.Struct({})
}).annotations({ identifier: "TargetPauseResponse" })

export const TargetTestResult = Schema.Struct({
  target: Schema.String,
  url: Schema.String,
  webhook_id: Schema.String,
  /** The receiver's status; null when it did not answer. */
  status: Schema.NullOr(Schema.Number),
  ok: Schema.Boolean,
  latency_ms: Count,
  /** The first 1000 characters of the receiver's answer, as text. */
  response_excerpt: Schema.String,
  error: Schema.NullOr(Schema.String)
}).annotations({ identifier: "TargetTestResult" })
export type TargetTestResult = typeof TargetTestResult.Type

export const TargetTestResponse = Schema.Struct({ data: TargetTestResult, meta: Schema.Struct({}) })
  .annotations({ identifier: "TargetTestResponse" })

export const RouteView = Schema.Struct({
  id: Schema.String,
  priority: Schema.Number,
  channel: Schema.NullOr(Schema.String),
  provider: Schema.NullOr(Schema.String),
  endpoint_identity: Schema.NullOr(Schema.String),
  sender_identity: Schema.NullOr(Schema.String),
  text_pattern: Schema.NullOr(Schema.String),
  ignore_case: Schema.Boolean,
  stop: Schema.Boolean,
  target: Schema.String,
  created_at: Timestamp
}).annotations({ identifier: "Route" })
export type RouteView = typeof RouteView.Type

export const RouteListResponse = Schema.Struct({
  data: Schema.Array(RouteView),
  meta: Schema.Struct({ count: Count })
}).annotations({ identifier: "RouteListResponse" })

export const RouteCreatePayload = Schema.Struct({
  target: Schema.String,
  priority: Schema.optional(Schema.Number),
  channel: Schema.optional(Schema.NullOr(Schema.String)),
  provider: Schema.optional(Schema.NullOr(Schema.String)),
  endpoint_identity: Schema.optional(Schema.NullOr(Schema.String)),
  sender_identity: Schema.optional(Schema.NullOr(Schema.String)),
  text_pattern: Schema.optional(Schema.NullOr(Schema.String)),
  ignore_case: Schema.optional(Schema.Boolean),
  stop: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "RouteCreateRequest" })

export const RoutePatchPayload = Schema.partial(RouteCreatePayload).annotations({ identifier: "RoutePatchRequest" })

export const RouteResponse = Schema.Struct({ data: RouteView, meta: Schema.Struct({}) })
  .annotations({ identifier: "RouteResponse" })

export const RouteEvaluationPayload = Schema.Struct({
  channel: Schema.String,
  provider: Schema.String,
  endpoint_identity: Schema.String,
  sender_identity: Schema.String,
  normalized_text: Schema.String
}).annotations({ identifier: "RouteEvaluationRequest" })

export const RouteEvaluationResponse = Schema.Struct({
  data: Schema.Struct({
    /** What the hub would route this request to now (the `general` catch-all when nothing matched and it exists). */
    targets: Schema.Array(Schema.String),
    /** Every rule in evaluation order and whether it matched; rules after a matching `stop` rule are `not_reached`. */
    rules: Schema.Array(Schema.Struct({
      id: Schema.String,
      target: Schema.String,
      result: Schema.Literal("matched", "no_match", "not_reached", "skipped")
    }))
  }),
  meta: Schema.Struct({})
}).annotations({ identifier: "RouteEvaluationResponse" })

export const DeadLetterView = Schema.Struct({
  id: Schema.String,
  request_id: Schema.String,
  target: Schema.String,
  webhook_id: Schema.String,
  attempts: Count,
  last_status: Schema.NullOr(Schema.Number),
  last_error: Schema.String,
  dead_at: Timestamp,
  replayed_at: Schema.NullOr(Timestamp)
}).annotations({ identifier: "DeadLetter" })
export type DeadLetterView = typeof DeadLetterView.Type

export const DeadLetterListResponse = Schema.Struct({
  data: Schema.Array(DeadLetterView),
  meta: PageMeta
}).annotations({ identifier: "DeadLetterListResponse" })

export const DeadLetterReplayResponse = Schema.Struct({
  data: Schema.Struct({ id: Schema.String, result: Schema.Literal("replayed", "already_replayed") }),
  meta: Schema.Struct({})
}).annotations({ identifier: "DeadLetterReplayResponse" })

export const DeadLetterReplayAllResponse = Schema.Struct({
  data: Schema.Struct({ target: Schema.String, replayed: Count }),
  meta: Schema.Struct({})
}).annotations({ identifier: "DeadLetterReplayAllResponse" })

export const TargetBacklog = Schema.Struct({
  target: Schema.String,
  paused: Schema.Boolean,
  /** Pending deliveries (not yet delivered nor dead-lettered), including held ones of a paused target. */
  pending: Count,
  /** Pending deliveries that failed at least once. */
  retrying: Count,
  /** Dead letters not replayed. */
  dead_lettered: Count,
  oldest_pending_received_at: Schema.NullOr(Timestamp)
}).annotations({ identifier: "TargetBacklog" })
export type TargetBacklog = typeof TargetBacklog.Type

export const AttemptsMinute = Schema.Struct({
  minute: Timestamp,
  delivered: Count,
  retry: Count,
  dead: Count
}).annotations({ identifier: "AttemptsMinute" })
export type AttemptsMinute = typeof AttemptsMinute.Type

export const DeliveriesResponse = Schema.Struct({
  data: Schema.Struct({
    targets: Schema.Array(TargetBacklog),
    /** The last 60 minutes, oldest first, one entry per minute (zeros included). */
    attempts_per_minute: Schema.Array(AttemptsMinute)
  }),
  meta: Schema.Struct({ generated_at: Timestamp })
}).annotations({ identifier: "DeliveriesResponse" })

export const HubStatus = Schema.Struct({
  status: Schema.Literal("ok", "degraded"),
  version: Schema.String,
  database: Schema.Struct({ kind: Schema.Literal("postgres", "embedded"), reachable: Schema.Boolean }),
  started_at: Timestamp,
  uptime_s: Count,
  /** Ingest requests being processed now. */
  in_flight: Count,
  /** Pending deliveries over all targets (null when the database did not answer). */
  delivery_backlog: Schema.NullOr(Count),
  dead_letters: Schema.NullOr(Count)
}).annotations({ identifier: "HubStatus" })
export type HubStatus = typeof HubStatus.Type

export const HubStatusResponse = Schema.Struct({ data: HubStatus, meta: Schema.Struct({ generated_at: Timestamp }) })
  .annotations({ identifier: "HubStatusResponse" })
