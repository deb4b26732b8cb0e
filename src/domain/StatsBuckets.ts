/** The kinds of statistics rollup (bucket arithmetic lives in src/stats/Buckets.ts). */

/** What a rollup computes: hourly stats, daily stats, or daily fanout. */
export type RollupKind = "hourly" | "daily" | "fanout"
export const rollupKinds: ReadonlyArray<RollupKind> = ["hourly", "daily", "fanout"]
