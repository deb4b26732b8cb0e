/** Results of `npm run bench:delivery` and the table it prints (medians over rounds, ratios per round). */

export interface IngestResult {
  readonly phase: string
  readonly round: number
  readonly mode: "batch" | "single"
  readonly routed: boolean
  readonly requests: number
  readonly seconds: number
  readonly per_second: number
  /** CPU ms per request in this process (use case, routing, driver). */
  readonly node_cpu_ms: number
  /** CPU ms per request in the Postgres backends. */
  readonly db_cpu_ms: number
}

export interface DrainResult {
  readonly deliveries: number
  readonly received: number
  readonly duplicates: number
  readonly drain_seconds: number
  readonly per_second: number
  readonly node_cpu_ms: number
  readonly db_cpu_ms: number
}

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const cpuCell = (node: number, db: number) => `${node.toFixed(3)} + ${db.toFixed(3)} = ${(node + db).toFixed(3)}`

export const table = (
  s: { readonly batch: number; readonly batchConcurrency: number; readonly singleConcurrency: number },
  ingests: ReadonlyArray<IngestResult>,
  drain: DrainResult
): ReadonlyArray<string> => {
  const lines = ["", "| phase | requests | rate (per s) | CPU ms/request: hub + Postgres |", "|---|---:|---:|---:|"]
  for (const mode of ["batch", "single"] as const) {
    const of = (routed: boolean) => ingests.filter((r) => r.routed === routed && r.mode === mode)
    const [plain, routed] = [of(false), of(true)]
    if (plain.length === 0 || routed.length === 0) continue
    const cpu = (rs: ReadonlyArray<IngestResult>) => median(rs.map((r) => r.node_cpu_ms + r.db_cpu_ms))
    const row = (label: string, rs: ReadonlyArray<IngestResult>) =>
      `| ${label} (median of ${rs.length}) | ${rs[0]!.requests} | ${median(rs.map((r) => r.per_second)).toFixed(0)} | ${
        cpuCell(median(rs.map((r) => r.node_cpu_ms)), median(rs.map((r) => r.db_cpu_ms)))
      } |`
    const label = mode === "batch" ? `batch x${s.batch}, c=${s.batchConcurrency}` : `single, c=${s.singleConcurrency}`
    // Each round's routed phase against the same round's unrouted phase (adjacent in time).
    const perRound = plain.map((p) => (routed.find((r) => r.round === p.round)?.per_second ?? NaN) / p.per_second)
    lines.push(
      row(`ingest ${label}, no routing`, plain),
      row(`ingest ${label}, routed to 2 targets`, routed),
      `| routed / no routing (target >= 0.8): throughput per round ${perRound.map((r) => r.toFixed(2)).join(", ")}` +
        ` → median; CPU cost ratio | | **${median(perRound).toFixed(2)}** | **${(cpu(plain) / cpu(routed)).toFixed(2)}** |`
    )
  }
  lines.push(
    `| delivery drain: ${drain.deliveries} deliveries to 2 receivers in ${drain.drain_seconds.toFixed(1)} s | ${drain.deliveries} | ${
      drain.per_second.toFixed(0)
    } | ${cpuCell(drain.node_cpu_ms, drain.db_cpu_ms)} |`,
    `| receivers: ${drain.received} requests, ${drain.duplicates} duplicate webhook-ids | | | |`
  )
  return lines
}
