/** How a heartbeat's counters relate to the previous heartbeat of its connector (computed in src/heartbeat/Deltas.ts). */

/** first: never seen; restart: a new instance_id; reset: same instance but a counter went down; continued: otherwise. */
export type DeltaKind = "first" | "restart" | "reset" | "continued"
