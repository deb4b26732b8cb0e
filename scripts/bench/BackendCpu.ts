/**
 * CPU seconds of the Postgres backends serving one database (from /proc/<pid>/stat; the bench's database
 * is fresh, so its backends are the server's pool). Part of what an envelope costs on a machine where the
 * database shares the cores with the server.
 */
import { Effect } from "effect"
import * as Fs from "node:fs"
import pg from "pg"

const TICKS_PER_SECOND = 100

/** CPU seconds (user + system) of process `pid` so far; undefined when it cannot be read. */
export const secondsOf = (pid: number): number | undefined => {
  try {
    const fields = Fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

/** pid → CPU seconds of every backend connected to the database of `url` but this query's own. */
export const snapshot = (url: string) =>
  Effect.tryPromise(async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      const { rows } = await client.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
      )
      return new Map(rows.flatMap(({ pid }) => {
        const s = secondsOf(pid)
        return s === undefined ? [] : [[pid, s] as const]
      }))
    } finally {
      await client.end().catch(() => undefined)
    }
  }).pipe(
    // No reading (the database went away): the phase reports no database CPU rather than failing.
    Effect.orElseSucceed(() => new Map<number, number>())
  )

/** CPU seconds between two snapshots (a backend that appeared meanwhile counts from 0). */
export const between = (before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>) => {
  let total = 0
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0)
  return Math.round(total * 100) / 100
}
