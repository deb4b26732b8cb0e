/** Rows of connector_registry as the dashboard reads them, and their mapping to the API shapes (pure). */
import type { ConnectorDetail, ConnectorListItem, DegradationCounts } from "../../src/domain/StatsApi.js"
import * as DegradationDeltas from "../../src/heartbeat/DegradationDeltas.js"
import { truncDay } from "../../src/stats/Buckets.js"
import { liveness, type Thresholds, uptimePct } from "../../src/stats/Liveness.js"

/**
 * Timestamps arrive as epoch milliseconds and counters as float8: parsing a thousand rows of
 * timestamptz and bigint text in Node costs far more than the query (see RegistryColumns).
 */
export interface RegistryRow {
  readonly connector_type: string
  readonly endpoint_identity: string
  readonly instance_id: string | null
  readonly version: string | null
  readonly state: "healthy" | "degraded" | "error" | null
  readonly error_message: string | null
  readonly uptime_s: number | null
  readonly last_heartbeat_ms: number | null
  readonly first_seen_ms: number
  readonly registered_via: string
  readonly counter_messages_ingested: number
  readonly counter_messages_failed: number
  readonly counter_source_api_calls: number
  readonly counter_checkpoint_saves: number
  readonly counter_dedupe_accepted: number
  readonly checkpoint_cursor: string | null
  readonly checkpoint_updated_ms: number | null
  readonly capabilities: Record<string, boolean> | null
  readonly live_day_ms: number | null
  readonly live_day_ingested: number
  readonly live_day_failed: number
  readonly live_day_heartbeats: number
  readonly live_day_healthy: number
  readonly last_submission_ms: number | null
  /** Where the hosted connector's singleton last started (switchboard_singletons), null for a process. */
  readonly runner: string | null
  /** Sums over every instance (jsonb, the heartbeat's shape); null before the first report. */
  readonly degradation_totals: unknown
  /** The current instance's latest object (detail only). */
  readonly degradation: unknown
}

const ms = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::float8`

/** The select list that produces a RegistryRow (capabilities and the latest degradation only when `withCapabilities`). */
export const registryColumns = (withCapabilities: boolean) =>
  [
    "connector_type, endpoint_identity, instance_id, version, state, error_message, uptime_s, registered_via",
    `${ms("last_heartbeat_at")} AS last_heartbeat_ms`,
    `${ms("first_seen_at")} AS first_seen_ms`,
    `${ms("checkpoint_updated_at")} AS checkpoint_updated_ms`,
    `${ms("live_day")} AS live_day_ms`,
    `${ms("last_submission_at")} AS last_submission_ms`,
    "degradation_totals",
    ...[
      "counter_messages_ingested",
      "counter_messages_failed",
      "counter_source_api_calls",
      "counter_checkpoint_saves",
      "counter_dedupe_accepted",
      "live_day_ingested",
      "live_day_failed"
    ].map((c) => `${c}::float8 AS ${c}`),
    "checkpoint_cursor, live_day_heartbeats, live_day_healthy",
    "(SELECT s.runner FROM switchboard_singletons s WHERE s.name = 'connector:' || connector_type || ':' || endpoint_identity) AS runner",
    withCapabilities ? "capabilities, degradation" : "NULL::jsonb AS capabilities, NULL::jsonb AS degradation"
  ].join(", ")

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export const livenessOf = (r: RegistryRow, now: number, t: Thresholds) => liveness(r.last_heartbeat_ms, now, t)

/** "Today" comes from the registry's day accumulators, kept by every heartbeat (zeros when none came today). */
export const toListItem = (r: RegistryRow, now: number, t: Thresholds): ConnectorListItem => {
  const today = r.live_day_ms === truncDay(now)
  return {
    connector_type: r.connector_type,
    endpoint_identity: r.endpoint_identity,
    liveness: livenessOf(r, now, t),
    state: r.state,
    error_message: r.error_message,
    version: r.version,
    runner: r.runner ?? null,
    uptime_s: r.uptime_s,
    last_heartbeat_at: isoOrNull(r.last_heartbeat_ms),
    first_seen_at: new Date(r.first_seen_ms).toISOString(),
    last_submission_at: isoOrNull(r.last_submission_ms),
    degradations_total: DegradationDeltas.totalCount(DegradationDeltas.full(r.degradation_totals)),
    today: {
      messages_ingested: today ? r.live_day_ingested : 0,
      messages_failed: today ? r.live_day_failed : 0,
      uptime_pct: today ? uptimePct(r.live_day_healthy, r.live_day_heartbeats) : null
    }
  }
}

/** A stored degradation object with every count (zeros for what it lacks). */
const counts = (stored: unknown): DegradationCounts => DegradationDeltas.full(stored)

export const toDetail = (r: RegistryRow, now: number, t: Thresholds): ConnectorDetail => ({
  ...toListItem(r, now, t),
  instance_id: r.instance_id,
  registered_via: r.registered_via,
  checkpoint: r.checkpoint_cursor === null
    ? null
    : { cursor: r.checkpoint_cursor, updated_at: isoOrNull(r.checkpoint_updated_ms) },
  counters: {
    messages_ingested: r.counter_messages_ingested,
    messages_failed: r.counter_messages_failed,
    source_api_calls: r.counter_source_api_calls,
    checkpoint_saves: r.counter_checkpoint_saves,
    dedupe_accepted: r.counter_dedupe_accepted
  },
  degradation: r.degradation === null ? null : counts(r.degradation),
  degradation_totals: counts(r.degradation_totals),
  capabilities: r.capabilities ?? {}
})
