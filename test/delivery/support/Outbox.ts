/** Reading the outbox and the attempt history back in delivery tests (issue 12: pause, replay, attempts). */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import * as Receiver from "./Receiver.js"

export interface OutboxRow {
  readonly request_id: string
  readonly status: string
  readonly attempts: number
  readonly thread_key: string | null
  /** True while the row is parked ('infinity': its target is paused). */
  readonly parked: boolean
  readonly leased: boolean
}

/** The outbox rows of a target, in request order. */
export const rowsOf = (target: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<OutboxRow>`SELECT request_id, status, attempts, thread_key, next_attempt_at = 'infinity' AS parked,
        COALESCE(claimed_until > now(), false) AS leased
      FROM delivery_outbox WHERE target = ${target} ORDER BY request_id`).pipe(Effect.orDie)

/** The outbox row of one delivery. */
export const rowOf = (requestId: string, target: string) =>
  Effect.map(rowsOf(target), (rows) => rows.find((r) => r.request_id === requestId))

/** True when every pending row of the target is parked and none is leased. */
export const allParked = (target: string, expected: number) =>
  Effect.map(rowsOf(target), (rows) =>
    rows.length === expected && rows.every((r) => r.status === "pending" && r.parked && !r.leased))

export interface AttemptRow {
  readonly attempt: number
  readonly attempted_at: Date
  readonly status: number | null
  readonly latency_ms: number | null
  readonly outcome: string
  readonly error: string | null
  readonly next_attempt_at: Date | null
}

/** The recorded attempts of one delivery, oldest first. */
export const attemptsOf = (requestId: string, target: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<AttemptRow>`SELECT attempt, attempted_at, status, latency_ms, outcome, error, next_attempt_at
      FROM delivery_attempts WHERE request_id = ${requestId} AND target = ${target} ORDER BY id`).pipe(Effect.orDie)

/** The request_id a delivery carried. */
export const requestIdOf = (r: Receiver.Received): string => String(Receiver.json(r).data["request_context"]?.["request_id"])

/** The external event id a delivery carried. */
export const eventIdOf = (r: Receiver.Received): string => String(Receiver.json(r).data["event"]?.["external_event_id"])

/** The thread a delivery carried. */
export const threadOf = (r: Receiver.Received): string => String(Receiver.json(r).data["event"]?.["external_thread_id"])
