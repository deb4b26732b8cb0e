/** The cases of `npm run bench:startup`, their goals (issue 14), and the table and JSON rows of a run. */
import { Schema } from "effect"
import type { Mode } from "./StartupRuns.js"

export const CaseId = Schema.Literal("floor", "help", "token-embedded", "token-postgres", "serve-existing", "serve-fresh", "connector")
export type CaseId = typeof CaseId.Type

export interface Case {
  /** What is measured, from spawn. */
  readonly what: string
  /** The goal for the build, in milliseconds (none for the floor). */
  readonly goalMs: number | undefined
  /** Runs once, not per mode. */
  readonly floor: boolean
}

export const cases: Readonly<Record<CaseId, Case>> = {
  floor: { what: "node -e 0 → exit", goalMs: undefined, floor: true },
  help: { what: "switchboard --help → exit", goalMs: 1000, floor: false },
  "token-embedded": { what: "switchboard token list, embedded dir, hub not running → exit", goalMs: 1000, floor: false },
  "token-postgres": { what: "switchboard token list, DATABASE_URL → exit", goalMs: 1000, floor: false },
  "serve-existing": { what: "switchboard serve, existing embedded dir → /ready 200", goalMs: 2000, floor: false },
  "serve-fresh": { what: "switchboard serve, fresh embedded dir → /ready 200", goalMs: 5000, floor: false },
  connector: { what: "switchboard connector telegram → first getUpdates", goalMs: 1000, floor: false }
}

export interface Result {
  readonly case: CaseId
  readonly mode: Mode | "floor"
  readonly what: string
  readonly runs: number
  readonly median_ms: number
  readonly min_ms: number
  readonly max_ms: number
  readonly samples_ms: ReadonlyArray<number>
  readonly goal_ms: number | null
  /** The median is under the goal (the build only; null for the sources and the floor). */
  readonly met: boolean | null
}

const median = (sorted: ReadonlyArray<number>) => {
  if (sorted.length === 0) return 0
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2)
}

export const summarize = (id: CaseId, mode: Mode, samples: ReadonlyArray<number>): Result => {
  const sorted = [...samples].sort((a, b) => a - b)
  const c = cases[id]
  const goal = c.floor ? null : c.goalMs ?? null
  return {
    case: id,
    mode: c.floor ? "floor" : mode,
    what: c.what,
    runs: samples.length,
    median_ms: median(sorted),
    min_ms: sorted[0] ?? 0,
    max_ms: sorted[sorted.length - 1] ?? 0,
    samples_ms: samples,
    goal_ms: goal,
    met: goal === null || mode !== "build" ? null : median(sorted) < goal
  }
}

const s = (ms: number) => (ms / 1000).toFixed(3)

/** One line per case: the build's median/min/max against its goal, the sources' the same, and how many times faster. */
export const table = (results: ReadonlyArray<Result>): string => {
  const find = (id: CaseId, mode: Result["mode"]) => results.find((r) => r.case === id && r.mode === mode)
  const rows = [["case (seconds from spawn)", "goal", "build median", "min", "max", "met", "sources median", "min", "max", "sources/build"]]
  for (const id of Object.keys(cases) as Array<CaseId>) {
    const build = find(id, cases[id].floor ? "floor" : "build")
    if (build === undefined) continue
    const sources = find(id, "sources")
    rows.push([
      cases[id].what,
      build.goal_ms === null ? "-" : `< ${s(build.goal_ms)}`,
      s(build.median_ms),
      s(build.min_ms),
      s(build.max_ms),
      build.met === null ? "-" : build.met ? "yes" : "NO",
      sources === undefined ? "-" : s(sources.median_ms),
      sources === undefined ? "-" : s(sources.min_ms),
      sources === undefined ? "-" : s(sources.max_ms),
      sources === undefined || build.median_ms === 0 ? "-" : `${(sources.median_ms / build.median_ms).toFixed(1)}x`
    ])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n")
}
