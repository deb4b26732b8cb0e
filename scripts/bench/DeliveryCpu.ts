/**
 * CPU seconds spent on a phase by this process and by the Postgres backends serving the bench's
 * database (from /proc/<pid>/stat; the database is fresh per phase, so its backends are ours). On a
 * shared machine, CPU per request is steadier than requests per second.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { secondsOf } from "./BackendCpu.js"

export interface CpuSnapshot {
  readonly node: number
  readonly backends: ReadonlyMap<number, number>
}

export const snapshot = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`
  const backends = new Map<number, number>()
  for (const { pid } of rows) {
    const seconds = secondsOf(pid)
    if (seconds !== undefined) backends.set(pid, seconds)
  }
  const usage = process.cpuUsage()
  return { node: (usage.user + usage.system) / 1e6, backends } satisfies CpuSnapshot
})

/** CPU seconds between two snapshots: this process, and the database backends (new ones count from 0). */
export const between = (before: CpuSnapshot, after: CpuSnapshot) => {
  let database = 0
  for (const [pid, seconds] of after.backends) database += seconds - (before.backends.get(pid) ?? 0)
  return { node: after.node - before.node, database }
}
