/**
 * Response shapes of the dashboard API (issue 4), snake_case JSON. Every route answers
 * `{ data, meta }`; errors are 4xx with `{ _tag, message }` (400 ValidationError for a bad `period`,
 * `limit`, `cursor` or a connector path segment no connector can have, 401 Unauthorized, 403 Forbidden
 * for a token without the read role, 404 NotFound for an unknown connector). All timestamps are ISO 8601 UTC strings; all buckets are UTC.
 *
 *   GET /api/connectors?limit=1..500&cursor=…              → ConnectorListResponse (one page, default 100)
 *   GET /api/connectors/summary?period=24h|7d|30d          → SummaryResponse     (default 24h)
 *   GET /api/connectors/fanout?period=7d|30d               → FanoutResponse      (default 7d)
 *   GET /api/connectors/errors?limit=1..500                → ErrorsResponse      (default 50)
 *   GET /api/connectors/{connector_type}/{endpoint_identity}              → ConnectorDetailResponse (with degradations)
 *   GET /api/connectors/{connector_type}/{endpoint_identity}/stats?period → ConnectorStatsResponse (default 24h)
 *   GET /api/connectors/{connector_type}/{endpoint_identity}/hub-counts?period=24h|7d → HubCountsResponse (default 24h)
 *
 * Beside the heartbeat's claims, list and detail items carry `hub`: what the hub itself counted today for
 * the sources this connector names (provider or channel = connector_type, endpoint = endpoint_identity),
 * and `claims_exceed_hub`. Hub counts are written every few seconds, so a crash loses at most that much.
 *
 * Percentages are 0–100 with two decimals; `uptime_pct` is null when there were no heartbeats in
 * the window. `meta.generated_at` is the server time the answer was computed at (use it, not the
 * browser clock, to show the age of `last_heartbeat_at`).
 */
import { Schema } from "effect"
import { optional } from "./Envelope.js"
import { HealthState } from "./Heartbeat.js"

const Count = Schema.Number.annotations({ description: "a non-negative whole number" })
const Pct = Schema.Number.annotations({ description: "a percentage 0–100, two decimals" })
const Timestamp = Schema.String.annotations({ description: "ISO 8601 UTC timestamp" })

/** Derived at read time from the age of the last heartbeat (defaults: online ≤ 150 s, stale ≤ 270 s). */
export const Liveness = Schema.Literal("online", "stale", "offline", "unknown")
export type Liveness = typeof Liveness.Type

export const Period = Schema.Literal("24h", "7d", "30d")
export type Period = typeof Period.Type
export const FanoutPeriod = Schema.Literal("7d", "30d")
export type FanoutPeriod = typeof FanoutPeriod.Type

export const TodayStats = Schema.Struct({
  messages_ingested: Count,
  messages_failed: Count,
  uptime_pct: Schema.NullOr(Pct)
}).annotations({ identifier: "ConnectorToday", description: "since 00:00 UTC today" })
export type TodayStats = typeof TodayStats.Type

/** What the hub itself answered envelopes of a source (not what a connector claims). */
export const HubCounts = Schema.Struct({
  accepted: Count,
  duplicate: Count,
  rejected: Count.annotations({ description: "refused by validation, token scope or role, or the database" })
}).annotations({ identifier: "HubCounts", description: "envelopes the hub counted itself, by its answer" })
export type HubCounts = typeof HubCounts.Type

export const HubToday = Schema.Struct({
  ...HubCounts.fields,
  counting_since: Schema.NullOr(Timestamp).annotations({ description: "when this hub began counting (upgrade time)" })
}).annotations({ identifier: "ConnectorHubToday", description: "the hub's own counts since 00:00 UTC today" })
export type HubToday = typeof HubToday.Type

/** Degradation counts (heartbeat `degradation`), every kind present, attachments left out by reason. */
export const DegradationCounts = Schema.Struct({
  media_failures: Count,
  attachments_skipped: Schema.Record({ key: Schema.String, value: Count }),
  rate_limited: Count,
  rate_limit_wait_s: Count,
  cursor_resets: Count,
  gap_fills: Count,
  oauth_refresh_failures: Count,
  dead_lettered: Count,
  checkpoint_save_failures: Count,
  checkpoint_corrupt: Count
}).annotations({ identifier: "ConnectorDegradationCounts" })
export type DegradationCounts = typeof DegradationCounts.Type

const listFields = {
  connector_type: Schema.String,
  endpoint_identity: Schema.String,
  liveness: Liveness,
  /** null when the connector was registered but never sent a heartbeat */
  state: Schema.NullOr(HealthState),
  error_message: Schema.NullOr(Schema.String),
  version: Schema.NullOr(Schema.String),
  uptime_s: Schema.NullOr(Schema.Number),
  last_heartbeat_at: Schema.NullOr(Timestamp),
  first_seen_at: Timestamp,
  last_submission_at: Schema.NullOr(Timestamp).annotations({
    description: "when the hub last accepted an event from the connector (as its heartbeat says); null before any"
  }),
  runner: optional(Schema.NullOr(Schema.String).annotations({
    description: "for a connector the hub hosts: the hub runner it last started on (a cluster singleton, issue 15), " +
      "\"single\" on a lone hub; null for a connector process"
  })),
  degradations_total: Count.annotations({
    description: "every degradation counted since the connector first reported one, across restarts (seconds waited excluded)"
  }),
  today: TodayStats,
  /** the hub's own counts today (always present in answers; optional only for the read model behind them) */
  hub: optional(HubToday),
  claims_exceed_hub: optional(Schema.Boolean.annotations({
    description: "today's heartbeat messages_ingested exceeds the hub's accepted + duplicate today " +
      "(false while the hub has not counted the whole day)"
  }))
}

export const ConnectorListItem = Schema.Struct(listFields).annotations({ identifier: "ConnectorListItem" })
export type ConnectorListItem = typeof ConnectorListItem.Type

export const Counters = Schema.Struct({
  messages_ingested: Count,
  messages_failed: Count,
  source_api_calls: Count,
  checkpoint_saves: Count,
  dedupe_accepted: Count
}).annotations({ identifier: "ConnectorCounters", description: "latest counters of the current instance" })

export const ConnectorDetail = Schema.Struct({
  ...listFields,
  instance_id: Schema.NullOr(Schema.String),
  registered_via: Schema.String,
  checkpoint: Schema.NullOr(Schema.Struct({ cursor: Schema.String, updated_at: Schema.NullOr(Timestamp) })),
  counters: Counters,
  degradation: Schema.NullOr(DegradationCounts).annotations({
    description: "what the current instance reported since it started; null when it reports none (an older connector)"
  }),
  degradation_totals: DegradationCounts.annotations({
    description: "sums over every instance of the connector (deltas, like the other counters), kept across restarts"
  }),
  capabilities: Schema.Record({ key: Schema.String, value: Schema.Boolean })
}).annotations({ identifier: "ConnectorDetail" })
export type ConnectorDetail = typeof ConnectorDetail.Type

export const StatsSummary = Schema.Struct({
  messages_ingested: Count,
  messages_failed: Count,
  error_rate_pct: Pct,
  uptime_pct: Schema.NullOr(Pct),
  avg_messages_per_hour: Schema.Number
}).annotations({ identifier: "ConnectorStatsSummary" })
export type StatsSummary = typeof StatsSummary.Type

export const StatsPoint = Schema.Struct({
  bucket: Timestamp.annotations({ description: "start of the UTC hour (24h, 7d) or day (30d)" }),
  messages_ingested: Count,
  messages_failed: Count,
  healthy_count: Count,
  degraded_count: Count,
  error_count: Count
}).annotations({ identifier: "ConnectorStatsPoint" })
export type StatsPoint = typeof StatsPoint.Type

export const ConnectorStats = Schema.Struct({
  connector_type: Schema.String,
  endpoint_identity: Schema.String,
  period: Period,
  summary: StatsSummary,
  /** dense: one point per bucket of the window, oldest first, zeros where nothing happened */
  timeseries: Schema.Array(StatsPoint)
}).annotations({ identifier: "ConnectorStats" })
export type ConnectorStats = typeof ConnectorStats.Type

export const SummaryItem = Schema.Struct({
  connector_type: Schema.String,
  endpoint_identity: Schema.String,
  liveness: Liveness,
  messages_ingested: Count,
  messages_failed: Count,
  error_rate_pct: Pct,
  uptime_pct: Schema.NullOr(Pct)
}).annotations({ identifier: "ConnectorSummaryItem" })
export type SummaryItem = typeof SummaryItem.Type

export const Summary = Schema.Struct({
  period: Period,
  total_connectors: Count,
  connectors_online: Count,
  connectors_stale: Count,
  connectors_offline: Count,
  total_messages_ingested: Count,
  total_messages_failed: Count,
  overall_error_rate_pct: Pct,
  by_connector: Schema.Array(SummaryItem)
}).annotations({ identifier: "ConnectorsSummary" })
export type Summary = typeof Summary.Type

export const FanoutRow = Schema.Struct({
  connector_type: Schema.String,
  endpoint_identity: Schema.String,
  targets: Schema.Record({ key: Schema.String, value: Count })
}).annotations({ identifier: "ConnectorFanout", description: "messages delivered per target over the window" })
export type FanoutRow = typeof FanoutRow.Type

export const ErrorEntry = Schema.Struct({
  connector_type: Schema.String,
  endpoint_identity: Schema.String,
  instance_id: Schema.String,
  state: HealthState,
  error_message: Schema.NullOr(Schema.String),
  received_at: Timestamp,
  sent_at: Timestamp
}).annotations({ identifier: "ConnectorErrorEntry", description: "a heartbeat whose state was not healthy" })
export type ErrorEntry = typeof ErrorEntry.Type

export const HubCountsPeriod = Schema.Literal("24h", "7d")
export type HubCountsPeriod = typeof HubCountsPeriod.Type

export const HubCountsPoint = Schema.Struct({
  bucket: Timestamp.annotations({ description: "start of the UTC hour" }),
  ...HubCounts.fields
}).annotations({ identifier: "HubCountsPoint" })
export type HubCountsPoint = typeof HubCountsPoint.Type

export const HubCountsSeries = Schema.Struct({
  connector_type: Schema.String,
  endpoint_identity: Schema.String,
  period: HubCountsPeriod,
  counting_since: Schema.NullOr(Timestamp),
  totals: HubCounts,
  /** dense: one point per hour of the window, oldest first, zeros where nothing arrived */
  timeseries: Schema.Array(HubCountsPoint)
}).annotations({
  identifier: "ConnectorHubCounts",
  description: "the hub's own hourly counts for the sources a connector names; answered for any source, registered or not"
})
export type HubCountsSeries = typeof HubCountsSeries.Type

/** Window of a period answer: [from, to) in UTC, bucketed by `granularity`. */
export const WindowMeta = Schema.Struct({
  generated_at: Timestamp,
  period: Schema.String,
  granularity: Schema.Literal("hour", "day"),
  from: Timestamp,
  to: Timestamp
}).annotations({ identifier: "StatsWindowMeta" })
export type WindowMeta = typeof WindowMeta.Type

export const ListMeta = Schema.Struct({
  generated_at: Timestamp,
  count: Count.annotations({ description: "connectors on this page" }),
  limit: Count.annotations({ description: "the page size asked for (default 100, at most 500)" }),
  next_cursor: Schema.NullOr(Schema.String).annotations({
    description: "pass as ?cursor= for the next page; null on the last page"
  }),
  online_threshold_s: Schema.Number,
  stale_threshold_s: Schema.Number
}).annotations({ identifier: "ConnectorListMeta" })
export type ListMeta = typeof ListMeta.Type

export const ErrorsMeta = Schema.Struct({ generated_at: Timestamp, count: Count, limit: Count }).annotations({
  identifier: "ConnectorErrorsMeta"
})

export const DetailMeta = Schema.Struct({
  generated_at: Timestamp,
  online_threshold_s: Schema.Number,
  stale_threshold_s: Schema.Number
}).annotations({ identifier: "ConnectorDetailMeta" })
export type DetailMeta = typeof DetailMeta.Type

const envelope = <D extends Schema.Schema.Any, M extends Schema.Schema.Any>(identifier: string, data: D, meta: M) =>
  Schema.Struct({ data, meta }).annotations({ identifier })

export const ConnectorListResponse = envelope("ConnectorListResponse", Schema.Array(ConnectorListItem), ListMeta)
export const ConnectorDetailResponse = envelope("ConnectorDetailResponse", ConnectorDetail, DetailMeta)
export const ConnectorStatsResponse = envelope("ConnectorStatsResponse", ConnectorStats, WindowMeta)
export const SummaryResponse = envelope("ConnectorsSummaryResponse", Summary, WindowMeta)
export const FanoutResponse = envelope("ConnectorsFanoutResponse", Schema.Array(FanoutRow), WindowMeta)
export const ErrorsResponse = envelope("ConnectorErrorsResponse", Schema.Array(ErrorEntry), ErrorsMeta)
export const HubCountsResponse = envelope("ConnectorHubCountsResponse", HubCountsSeries, WindowMeta)

export type ConnectorListResponse = typeof ConnectorListResponse.Type
export type ConnectorDetailResponse = typeof ConnectorDetailResponse.Type
export type ConnectorStatsResponse = typeof ConnectorStatsResponse.Type
export type SummaryResponse = typeof SummaryResponse.Type
export type FanoutResponse = typeof FanoutResponse.Type
export type ErrorsResponse = typeof ErrorsResponse.Type
export type HubCountsResponse = typeof HubCountsResponse.Type
