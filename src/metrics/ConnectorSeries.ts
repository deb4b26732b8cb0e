/**
 * The per-connector series of the hub's `/metrics` (issue 13), read from connector_registry at scrape time
 * and rendered here in the Prometheus text format: Effect's counters cannot be set to an absolute value, and
 * these counters are the registry's running totals, which stay monotonic across connector restarts (sums
 * of deltas, src/heartbeat/DegradationDeltas.ts). At most MAX_CONNECTORS connectors are exported, the most
 * recently heard first; the caller counts the rest as folded. Label values are escaped, so an endpoint
 * identity of any text renders as one well-formed sample.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DEGRADATION_COUNTS } from "../domain/Heartbeat.js"
import * as DegradationDeltas from "../heartbeat/DegradationDeltas.js"
import { escapeLabel } from "./Prometheus.js"

/** Connectors exported at most (label values of endpoint_identity). */
export const MAX_CONNECTORS = 1000

export const DEGRADATIONS = "switchboard_connector_degradations_total"
export const RATE_LIMIT_WAIT = "switchboard_connector_rate_limit_wait_seconds_total"
export const LAST_HEARTBEAT = "switchboard_connector_last_heartbeat_timestamp_seconds"
export const CHECKPOINT_UPDATED = "switchboard_connector_checkpoint_updated_timestamp_seconds"
export const LAST_SUBMISSION = "switchboard_connector_last_submission_timestamp_seconds"

/** One registry row as the scrape reads it. */
export interface ConnectorRow {
  readonly connector_type: string
  readonly endpoint_identity: string
  readonly last_heartbeat_ms: number | null
  readonly checkpoint_updated_ms: number | null
  readonly last_submission_ms: number | null
  /** null before the connector reported any degradation (an older connector): no degradation series. */
  readonly degradation_totals: unknown
}

/** The exported rows, and how many registered connectors were left out. */
export interface Scrape {
  readonly rows: ReadonlyArray<ConnectorRow>
  readonly folded: number
}

const ms = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::float8`

/** The MAX_CONNECTORS most recently heard connectors (never-heard ones last) and the count of the others. */
export const read = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<ConnectorRow & { readonly total: string }>`
    SELECT connector_type, endpoint_identity, degradation_totals, count(*) OVER () AS total,
      ${sql.literal(ms("last_heartbeat_at"))} AS last_heartbeat_ms,
      ${sql.literal(ms("checkpoint_updated_at"))} AS checkpoint_updated_ms,
      ${sql.literal(ms("last_submission_at"))} AS last_submission_ms
    FROM connector_registry
    ORDER BY last_heartbeat_at DESC NULLS LAST, connector_type, endpoint_identity
    LIMIT ${MAX_CONNECTORS}`
  const total = Number(rows[0]?.total ?? 0)
  return { rows, folded: Math.max(0, total - rows.length) } satisfies Scrape
})

const labels = (pairs: ReadonlyArray<readonly [string, string]>) =>
  `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`

const seconds = (ms: number) => String(ms / 1000)

interface Family {
  readonly name: string
  readonly type: "counter" | "gauge"
  readonly help: string
  readonly lines: Array<string>
}

/** The five families for `rows`, as text lines ending in a newline (empty when there are no rows). */
export const render = (rows: ReadonlyArray<ConnectorRow>): string => {
  const family = (name: string, type: Family["type"], help: string): Family => ({ name, type, help, lines: [] })
  const degradations = family(DEGRADATIONS, "counter", "Degradations counted by connectors, by kind and reason, summed over restarts")
  const waited = family(RATE_LIMIT_WAIT, "counter", "Seconds connectors waited on source rate limits, summed over restarts")
  const heard = family(LAST_HEARTBEAT, "gauge", "When the hub last received a heartbeat of the connector (unix seconds)")
  const checkpoint = family(CHECKPOINT_UPDATED, "gauge", "When the connector's checkpoint was last updated, as it reports (unix seconds)")
  const submitted = family(LAST_SUBMISSION, "gauge", "When the hub last accepted an event of the connector, as it reports (unix seconds)")
  for (const r of rows) {
    const who = [["connector_type", r.connector_type], ["endpoint_identity", r.endpoint_identity]] as const
    if (r.last_heartbeat_ms !== null) heard.lines.push(`${LAST_HEARTBEAT}${labels(who)} ${seconds(r.last_heartbeat_ms)}`)
    if (r.checkpoint_updated_ms !== null) {
      checkpoint.lines.push(`${CHECKPOINT_UPDATED}${labels(who)} ${seconds(r.checkpoint_updated_ms)}`)
    }
    if (r.last_submission_ms !== null) submitted.lines.push(`${LAST_SUBMISSION}${labels(who)} ${seconds(r.last_submission_ms)}`)
    if (r.degradation_totals === null) continue
    const totals = DegradationDeltas.full(r.degradation_totals)
    for (const kind of DEGRADATION_COUNTS) {
      if (kind === "rate_limit_wait_s") continue
      degradations.lines.push(`${DEGRADATIONS}${labels([...who, ["kind", kind], ["reason", "none"]])} ${totals[kind]}`)
    }
    for (const [reason, n] of Object.entries(totals.attachments_skipped)) {
      degradations.lines.push(`${DEGRADATIONS}${labels([...who, ["kind", "attachments_skipped"], ["reason", reason]])} ${n}`)
    }
    waited.lines.push(`${RATE_LIMIT_WAIT}${labels(who)} ${totals.rate_limit_wait_s}`)
  }
  const text = [degradations, waited, heard, checkpoint, submitted]
    .filter((f) => f.lines.length > 0)
    .flatMap((f) => [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.lines])
  return text.length === 0 ? "" : `${text.join("\n")}\n`
}
