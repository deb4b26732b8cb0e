/**
 * `GET /metrics` in the Prometheus text format: every metric in Effect's global registry, so the
 * metrics of every feature appear without registration, then the per-connector series read from the
 * registry (ConnectorSeries.ts, bounded to 1,000 connectors). Before rendering, the scrape refreshes the
 * gauges that describe current state (connectors by liveness, database connections). The pg pool's
 * own counters (total/idle/waiting) are not reachable through @effect/sql-pg's PgClient, so the
 * pool is described by its configured size and by this application's server-side connections.
 */
import { HttpLayerRouter, HttpServerResponse } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Cause, Effect, Metric, Ref } from "effect"
import { Cluster } from "../../services/Cluster.js"
import { Dashboard } from "../../services/Dashboard.js"
import * as HostedDefinitions from "../connectors/HostedDefinitions.js"
import { exportedSourceCounters } from "../connectors/Registry.js"
import * as ConnectorSeries from "./ConnectorSeries.js"
import { connectorsByLiveness, connectorSourceCounters, dbConnections, dbPoolMax, labelValuesFolded } from "./Metrics.js"
import * as Prometheus from "./Prometheus.js"

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

export const layer = HttpLayerRouter.use((router) =>
  Effect.gen(function*() {
    const dashboard = yield* Dashboard
    const cluster = yield* Cluster
    const sql = yield* PgClient.PgClient
    const reportedSkips = yield* Ref.make<ReadonlySet<string>>(new Set())
    // The built-ins' declared counters, and those of the registered sources this hub hosts.
    const exported: Readonly<Record<string, ReadonlyArray<string>>> = {
      ...Object.fromEntries((yield* HostedDefinitions.registeredHosted).map((d) => [d.id, HostedDefinitions.exportableCounters(d)])),
      ...exportedSourceCounters
    }

    const connections = sql<{ readonly state: string | null; readonly n: string }>`
      SELECT coalesce(state, 'unknown') AS state, count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = current_setting('application_name')
      GROUP BY 1`

    /** Latest source counters summed by type and name, for the names each registered type declares. */
    const sourceCounters = sql<{ readonly connector_type: string; readonly counter: string; readonly n: string }>`
      SELECT r.connector_type, c.key AS counter, sum(LEAST((c.value)::numeric, 9007199254740991)) AS n
      FROM connector_registry r, jsonb_each(r.source_counters) c
      WHERE r.source_counters IS NOT NULL AND jsonb_typeof(c.value) = 'number'
        AND r.connector_type IN ${sql.in(Object.keys(exported))}
      GROUP BY 1, 2`

    const refresh = Effect.gen(function*() {
      yield* Metric.set(dbPoolMax, sql.config.maxConnections ?? 10)
      yield* cluster.state // sets switchboard_cluster_shards_held
      const counts = yield* dashboard.livenessCounts
      yield* Effect.forEach(Object.entries(counts), ([liveness, n]) =>
        Metric.set(Metric.tagged(connectorsByLiveness, "liveness", liveness), n), { discard: true })
      const counted = yield* sourceCounters
      yield* Effect.forEach(counted, (r) =>
        exported[r.connector_type]?.includes(r.counter) === true
          ? Metric.set(
            Metric.tagged(Metric.tagged(connectorSourceCounters, "connector_type", r.connector_type), "counter", r.counter),
            Math.min(Number(r.n), Number.MAX_SAFE_INTEGER)
          )
          : Effect.void, { discard: true })
      const rows = yield* connections
      yield* Effect.forEach(["active", "idle", "idle in transaction"], (state) =>
        Metric.set(Metric.tagged(dbConnections, "state", state), Number(rows.find((r) => r.state === state)?.n ?? 0)), {
        discard: true
      })
    }).pipe(
      Effect.timeout("3 seconds"),
      Effect.catchAllCause((cause) =>
        Effect.logWarning("metrics: could not refresh state gauges; serving the last values").pipe(
          Effect.annotateLogs({ cause: Cause.pretty(cause).slice(0, 300) })
        ))
    )

    /** The per-connector series (ConnectorSeries.ts); connectors past the bound are counted as folded. */
    const connectorSeries = ConnectorSeries.read.pipe(
      Effect.provideService(SqlClient.SqlClient, sql),
      Effect.tap((s) =>
        s.folded > 0
          ? Metric.incrementBy(Metric.tagged(labelValuesFolded, "label", "endpoint_identity"), s.folded)
          : Effect.void
      ),
      Effect.map((s) => ConnectorSeries.render(s.rows)),
      Effect.timeout("3 seconds"),
      Effect.catchAllCause((cause) =>
        Effect.logWarning("metrics: could not read the per-connector series; leaving them out of this scrape").pipe(
          Effect.annotateLogs({ cause: Cause.pretty(cause).slice(0, 300) }),
          Effect.as("")
        ))
    )

    const handler = Effect.gen(function*() {
      yield* refresh
      const perConnector = yield* connectorSeries
      const { skipped, text: effectText } = Prometheus.render(yield* Metric.snapshot)
      const text = effectText + perConnector
      const known = yield* Ref.get(reportedSkips)
      const fresh = skipped.filter((name) => !known.has(name))
      if (fresh.length > 0) {
        yield* Ref.update(reportedSkips, (s) => new Set([...s, ...fresh]))
        yield* Effect.logWarning("metrics: left out metrics whose name is taken by another metric type").pipe(
          Effect.annotateLogs({ metrics: fresh.join(", ") })
        )
      }
      return HttpServerResponse.text(text, { contentType: CONTENT_TYPE })
    })

    yield* router.add("GET", "/metrics", handler)
  })
)
