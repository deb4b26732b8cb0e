/**
 * The hub's own Prometheus metrics (issue 4). Every Effect metric in the global registry is
 * exported at `GET /metrics` (see Prometheus.ts), so other features define theirs where they
 * live. Names are snake_case with base units; counters end in `_total`. Label values are bounded
 * sets (outcome, channel, connector_type, kind): never a token, message text or free-form input.
 * The per-connector families (switchboard_connector_degradations_total, …_rate_limit_wait_seconds_total,
 * …_last_heartbeat/_checkpoint_updated/_last_submission_timestamp_seconds) are not Effect metrics: they are
 * the registry's running totals, read at scrape time and rendered by ConnectorSeries.ts (≤ 1,000 connectors).
 */
import { Metric, MetricBoundaries } from "effect"

/** Ingest submissions by `outcome` (accepted, duplicate, rejected, overloaded, unavailable, error) and source `channel`. */
export const ingestResults = Metric.counter("switchboard_ingest_results_total", {
  description: "Ingest submissions by outcome and source channel",
  incremental: true
})

/** Time to answer one ingest call (single or batch), in seconds. */
/** Ingest calls (single or batch) being answered now; shown by GET /api/status. */
export const ingestInFlight = Metric.gauge("switchboard_ingest_in_flight", {
  description: "Ingest calls (single or batch) being answered now"
})

export const ingestLatency = Metric.histogram(
  "switchboard_ingest_latency_seconds",
  MetricBoundaries.exponential({ start: 0.001, factor: 2, count: 15 }),
  "Time to answer an ingest call (operation=single|batch), in seconds"
)

/**
 * Heartbeats by `result` (accepted, rejected, unavailable) and `connector_type` (accepted ones only; types
 * beyond the label budget read "other").
 */
export const heartbeatsReceived = Metric.counter("switchboard_heartbeats_received_total", {
  description: "Connector heartbeats received by result",
  incremental: true
})

/**
 * Label values folded into "other" because their label (`label`, e.g. connector_type) already has as
 * many client-chosen values as it may (see LabelBudget.ts).
 */
export const labelValuesFolded = Metric.counter("switchboard_metric_label_values_folded_total", {
  description: "Metric updates whose client-chosen label value was folded into \"other\" to bound cardinality, by label",
  incremental: true
})

/** Heartbeats that carried a new instance_id for a known connector. */
export const connectorRestarts = Metric.counter("switchboard_connector_restarts_total", {
  description: "Connector restarts detected from a new instance_id in a heartbeat",
  incremental: true
})

/** Registered connectors by `liveness` (online, stale, offline, unknown), refreshed on every scrape. */
export const connectorsByLiveness = Metric.gauge("switchboard_connectors", {
  description: "Registered connectors by liveness, as of the scrape"
})

/**
 * The source counters of the latest heartbeats (`source_counters`: history fetches, skips by reason, OAuth
 * refreshes, …) summed over every endpoint of a `connector_type`, by `counter`; refreshed on every scrape.
 * Only names the connector type declares (Registry `sourceCounters`) become labels.
 */
export const connectorSourceCounters = Metric.gauge("switchboard_connector_source_counter", {
  description: "Source counters of the connectors' latest heartbeats, summed by connector type"
})

/** Duration of one rollup bucket by `kind` (hourly, daily, fanout), in seconds. */
export const rollupDuration = Metric.histogram(
  "switchboard_rollup_duration_seconds",
  MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 14 }),
  "Time to roll up one bucket by kind, in seconds"
)

/** Rows upserted by rollups, by `kind`. */
export const rollupRows = Metric.counter("switchboard_rollup_rows_total", {
  description: "Rows upserted into the statistics tables by rollup kind",
  incremental: true
})

/** Rollup or pruning runs that failed, by `job`. */
export const rollupFailures = Metric.counter("switchboard_rollup_failures_total", {
  description: "Scheduled rollup or pruning runs that failed, by job",
  incremental: true
})

/** Rows removed by pruning, by `table`. */
export const prunedRows = Metric.counter("switchboard_pruned_rows_total", {
  description: "Rows removed by retention pruning, by table",
  incremental: true
})

/** The configured size of the database connection pool. */
export const dbPoolMax = Metric.gauge("switchboard_db_pool_max_connections", {
  description: "Configured maximum connections of the database pool"
})

/** Server-side connections of this application by `state` (active, idle, …), from pg_stat_activity. */
export const dbConnections = Metric.gauge("switchboard_db_connections", {
  description: "Database connections opened by switchboard, by state (pg_stat_activity)"
})

/**
 * 1 on the runner that runs the hosted connector (connector_type, endpoint_identity: from the hub's own
 * SWITCHBOARD_CONNECTORS, a bounded set), 0 on the others (issue 15).
 */
export const singletonRunning = Metric.gauge("switchboard_cluster_singleton_running", {
  description: "1 when this runner runs the hosted connector's cluster singleton, else 0"
})

/** Shards of the cluster this runner holds (set when /ready or /metrics is read; issue 15). */
export const shardsHeld = Metric.gauge("switchboard_cluster_shards_held", {
  description: "Cluster shards this hub holds (each carries some of the singletons)"
})

/**
 * Checkpoint commits refused because this runner is no longer the singleton's recorded holder (another runner
 * took the hosted connector over), by `singleton`; the batch was not stored and the connector retries until
 * the cluster stops it here.
 */
export const fencedCommits = Metric.counter("switchboard_cluster_fenced_commits_total", {
  description: "Checkpoint commits refused: another runner holds the connector's singleton now",
  incremental: true
})

/** Restarts of a cluster singleton after it failed, by `singleton` (names from the hub's own configuration). */
export const singletonRestarts = Metric.counter("switchboard_cluster_singleton_restarts_total", {
  description: "Times a cluster singleton failed on this hub and was started again",
  incremental: true
})
