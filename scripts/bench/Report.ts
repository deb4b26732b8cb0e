/** The ingest bench's phases, its results table and the ratios against the targets. */
import { Schema } from "effect"
import type { Mode } from "./Answers.js"
import type { LoadResult } from "./LoadStats.js"

export const PhaseId = Schema.Literal("a", "b", "c", "d")
export type PhaseId = typeof PhaseId.Type

export interface Phase {
  readonly id: PhaseId
  readonly label: string
  readonly server: "hub" | "baseline"
  readonly mode: Mode
}

export const phases: Readonly<Record<PhaseId, Phase>> = {
  a: { id: "a", label: "(a) hub REST POST /api/ingest", server: "hub", mode: "rest" },
  b: { id: "b", label: "(b) hub RPC Ingest", server: "hub", mode: "rpc" },
  c: { id: "c", label: "(c) hub RPC IngestBatch x100", server: "hub", mode: "rpc-batch" },
  d: { id: "d", label: "(d) baseline node:http + pg", server: "baseline", mode: "rest" }
}

export interface PhaseResult extends LoadResult {
  readonly phase: PhaseId
  readonly label: string
  /** Rows in message_inbox after the phase. */
  readonly rows: number
  /** rows = envelopes answered as newly stored (nothing lost, nothing stored twice). */
  readonly rows_match: boolean
  /** CPU seconds the server used during the measured load, and per envelope (null where unknown). */
  readonly server_cpu_s: number | null
  readonly server_cpu_ms_per_envelope: number | null
  /** CPU of the Postgres backends serving the phase's database, per envelope. */
  readonly database_cpu_ms_per_envelope: number | null
}

/** Issue 14's goals: throughput against the floor, and (single envelopes) CPU per envelope within 1.3× of it. */
export const targets: ReadonlyArray<{ readonly ratio: string; readonly of: PhaseId; readonly min: number; readonly maxCpu?: number }> = [
  { ratio: "a/d", of: "a", min: 0.8, maxCpu: 1.3 },
  { ratio: "b/d", of: "b", min: 0.9, maxCpu: 1.3 },
  { ratio: "c/d", of: "c", min: 3 }
]

export interface Ratio {
  readonly ratio: string
  /** envelopes/s of the phase over envelopes/s of the baseline. */
  readonly value: number
  readonly target: string
  readonly met: boolean
  /** Baseline CPU per envelope over the phase's: the throughput ratio to expect when both are CPU-bound. */
  readonly cpu_efficiency: number | null
  /** The phase's CPU per envelope over the baseline's, and its goal (none for batches). */
  readonly cpu_vs_floor: number | null
  readonly cpu_target: string
  readonly cpu_met: boolean | null
}

const round2 = (n: number) => Math.round(n * 100) / 100

export const ratios = (results: ReadonlyArray<PhaseResult>): ReadonlyArray<Ratio> => {
  const find = (id: PhaseId) => results.find((r) => r.phase === id)
  const base = find("d")
  return targets.flatMap((t) => {
    const phase = find(t.of)
    if (base === undefined || phase === undefined || base.envelopes_per_s === 0) return []
    const v = round2(phase.envelopes_per_s / base.envelopes_per_s)
    const cpu = phase.server_cpu_ms_per_envelope
    const baseCpu = base.server_cpu_ms_per_envelope
    const vsFloor = cpu === null || baseCpu === null || baseCpu === 0 ? null : round2(cpu / baseCpu)
    return [{
      ratio: t.ratio,
      value: v,
      target: `>= ${t.min}`,
      met: v >= t.min,
      cpu_efficiency: cpu === null || baseCpu === null || cpu === 0 ? null : round2(baseCpu / cpu),
      cpu_vs_floor: vsFloor,
      cpu_target: t.maxCpu === undefined ? "-" : `<= ${t.maxCpu}`,
      cpu_met: t.maxCpu === undefined || vsFloor === null ? null : vsFloor <= t.maxCpu
    }]
  })
}

const pad = (cells: ReadonlyArray<string>, widths: ReadonlyArray<number>) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ")

const grid = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  return [pad(header, widths), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map((r) => pad(r, widths))]
}

const errorsOf = (r: LoadResult) => {
  const entries = Object.entries(r.errors)
  return entries.length === 0 ? "0" : entries.map(([k, n]) => `${k}: ${n}`).join(", ")
}

/** One line per phase, then one line per ratio. */
export const table = (results: ReadonlyArray<PhaseResult>): ReadonlyArray<string> => [
  ...grid(
    ["phase", "envelopes/s", "requests/s", "p50 ms", "p99 ms", "dup %", "server CPU ms/env", "Postgres CPU ms/env", "rows ok", "errors"],
    results.map((r) => [
      r.label,
      r.envelopes_per_s.toFixed(1),
      r.requests_per_s.toFixed(1),
      r.latency_ms.p50.toFixed(2),
      r.latency_ms.p99.toFixed(2),
      r.envelopes === 0 ? "-" : ((100 * r.duplicates) / r.envelopes).toFixed(1),
      r.server_cpu_ms_per_envelope === null ? "-" : r.server_cpu_ms_per_envelope.toFixed(3),
      r.database_cpu_ms_per_envelope === null ? "-" : r.database_cpu_ms_per_envelope.toFixed(3),
      r.rows_match && r.dedupe_mismatches === 0 ? "yes" : `NO (${r.rows} rows, ${r.dedupe_mismatches} mismatches)`,
      errorsOf(r)
    ])
  ),
  "",
  ...grid(
    ["ratio", "value", "target", "result", "CPU/env ÷ floor's", "CPU target", "CPU result"],
    ratios(results).map((r) => [
      r.ratio,
      r.value.toFixed(2),
      r.target,
      r.met ? "met" : "MISSED",
      r.cpu_vs_floor === null ? "-" : r.cpu_vs_floor.toFixed(2),
      r.cpu_target,
      r.cpu_met === null ? "-" : r.cpu_met ? "met" : "MISSED"
    ])
  )
]
