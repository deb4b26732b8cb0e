/**
 * HeartbeatStore on Postgres. One transaction per heartbeat: the registry row is locked (FOR
 * UPDATE) so concurrent heartbeats of one connector compute their deltas one after the other.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Ref } from "effect"
import { type HeartbeatV1, MAX_SUM } from "../../src/domain/Heartbeat.js"
import { computeDeltas, type PreviousHeartbeat } from "../../src/heartbeat/Deltas.js"
import * as DegradationDeltas from "../../src/heartbeat/DegradationDeltas.js"
import { truncDay, truncHour } from "../../src/stats/Buckets.js"
import { HeartbeatStore, HeartbeatStoreUnavailable, type RecordOutcome } from "../../services/HeartbeatStore.js"
import * as SqlFailure from "../Database/SqlFailure.js"
import * as Partitions from "../Stats/Partitions.js"

interface RegistryCounters {
  readonly instance_id: string | null
  readonly counter_messages_ingested: string
  readonly counter_messages_failed: string
  readonly counter_source_api_calls: string
  readonly counter_checkpoint_saves: string
  readonly counter_dedupe_accepted: string
  readonly degradation: unknown
  readonly degradation_totals: unknown
}

const toPrevious = (row: RegistryCounters): PreviousHeartbeat => ({
  instance_id: row.instance_id,
  counters: {
    messages_ingested: Number(row.counter_messages_ingested),
    messages_failed: Number(row.counter_messages_failed),
    source_api_calls: Number(row.counter_source_api_calls),
    checkpoint_saves: Number(row.counter_checkpoint_saves),
    dedupe_accepted: Number(row.counter_dedupe_accepted)
  }
})

/**
 * The degradation columns for `hb`: its object (the base of the next deltas) and the totals moved by its
 * deltas; an omitted object keeps the stored one for the same instance, and clears it for a new instance
 * (whose counts start from zero). An omitted last_submission_at keeps the stored time.
 */
const degradationColumns = <J>(hb: HeartbeatV1, previous: RegistryCounters | undefined, json: (value: unknown) => J) => {
  const sameInstance = previous !== undefined && previous.instance_id === hb.connector.instance_id
  const submitted = hb.last_submission_at === undefined ? {} : { last_submission_at: hb.last_submission_at }
  if (hb.degradation === undefined) return sameInstance ? submitted : { ...submitted, degradation: null }
  const base = sameInstance && previous.degradation !== null ? DegradationDeltas.fromStored(previous.degradation) : undefined
  const totals = DegradationDeltas.addTotals(previous?.degradation_totals ?? null, DegradationDeltas.deltas(base, hb.degradation))
  return { ...submitted, degradation: json(hb.degradation), degradation_totals: json(totals) }
}

export const make = Effect.gen(function*() {
  const sql = yield* PgClient.PgClient
  const guard = SqlFailure.guard((reason) => new HeartbeatStoreUnavailable({ message: reason }))
  /** Days whose partition this process has already ensured (one DDL round trip per day at most). */
  const ensured = yield* Ref.make<ReadonlySet<number>>(new Set())

  const ensurePartition = (day: number) =>
    Effect.gen(function*() {
      if ((yield* Ref.get(ensured)).has(day)) return
      yield* Partitions.ensureDay(day).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      yield* Ref.update(ensured, (s) => new Set([...s, day].slice(-8)))
    })

  const lock = (hb: HeartbeatV1) =>
    sql<RegistryCounters>`
      SELECT instance_id, counter_messages_ingested, counter_messages_failed, counter_source_api_calls,
             counter_checkpoint_saves, counter_dedupe_accepted, degradation, degradation_totals
      FROM connector_registry
      WHERE connector_type = ${hb.connector.connector_type} AND endpoint_identity = ${hb.connector.endpoint_identity}
      FOR UPDATE`

  const record = (hb: HeartbeatV1, receivedAt: Date) =>
    Effect.gen(function*() {
      yield* ensurePartition(truncDay(receivedAt.getTime()))
      return yield* sql.withTransaction(Effect.gen(function*() {
        let previous = (yield* lock(hb))[0]
        let registered = false
        if (previous === undefined) {
          const inserted = yield* sql`
            INSERT INTO connector_registry ${
            sql.insert({
              connector_type: hb.connector.connector_type,
              endpoint_identity: hb.connector.endpoint_identity,
              first_seen_at: receivedAt,
              registered_via: "self"
            })
          }
            ON CONFLICT (connector_type, endpoint_identity) DO NOTHING RETURNING 1 AS one`
          registered = inserted.length > 0
          // Lost the race to register: another transaction inserted it first; lock that row.
          if (!registered) previous = (yield* lock(hb))[0]
        }
        const { deltas, kind } = computeDeltas(
          previous === undefined ? undefined : toPrevious(previous),
          hb.connector.instance_id,
          hb.counters
        )
        const c = hb.counters
        const state = {
          ...degradationColumns(hb, previous, (v) => sql.json(v)),
          instance_id: hb.connector.instance_id,
          version: hb.connector.version ?? null,
          state: hb.status.state,
          error_message: hb.status.error_message ?? null,
          uptime_s: hb.status.uptime_s,
          last_heartbeat_at: receivedAt,
          last_sent_at: hb.sent_at,
          counter_messages_ingested: c.messages_ingested,
          counter_messages_failed: c.messages_failed,
          counter_source_api_calls: c.source_api_calls,
          counter_checkpoint_saves: c.checkpoint_saves,
          counter_dedupe_accepted: c.dedupe_accepted,
          // An omitted checkpoint, capabilities or source counters keeps the stored value.
          ...(hb.checkpoint === undefined
            ? {}
            : { checkpoint_cursor: hb.checkpoint.cursor, checkpoint_updated_at: hb.checkpoint.updated_at }),
          ...(hb.capabilities === undefined ? {} : { capabilities: sql.json(hb.capabilities) }),
          ...(hb.source_counters === undefined ? {} : { source_counters: sql.json(hb.source_counters) })
        }
        const hour = new Date(truncHour(receivedAt.getTime()))
        const day = new Date(truncDay(receivedAt.getTime()))
        const is = (s: string) => (hb.status.state === s ? 1 : 0)
        // Sums saturate at MAX_SUM, computed in numeric so that no stored value (even one left by an older
        // version past the bound) can overflow bigint.
        const saturated = (bucket: "hour" | "day", column: string, delta: number) =>
          sql`LEAST((CASE WHEN ${sql(`live_${bucket}`)} = ${bucket === "hour" ? hour : day} THEN ${sql(column)} ELSE 0 END)::numeric
            + ${delta}, ${sql.literal(String(MAX_SUM))})::bigint`
        // SET expressions read the old row: a heartbeat in a new hour or day starts that accumulator afresh.
        yield* sql`UPDATE connector_registry
          SET ${sql.update(state)}, restart_count = restart_count + ${kind === "restart" ? 1 : 0},
            live_hour = ${hour},
            live_hour_ingested = ${saturated("hour", "live_hour_ingested", deltas.messages_ingested)},
            live_hour_failed = ${saturated("hour", "live_hour_failed", deltas.messages_failed)},
            live_hour_heartbeats = CASE WHEN live_hour = ${hour} THEN live_hour_heartbeats ELSE 0 END + 1,
            live_hour_healthy = CASE WHEN live_hour = ${hour} THEN live_hour_healthy ELSE 0 END + ${is("healthy")},
            live_hour_degraded = CASE WHEN live_hour = ${hour} THEN live_hour_degraded ELSE 0 END + ${is("degraded")},
            live_hour_error = CASE WHEN live_hour = ${hour} THEN live_hour_error ELSE 0 END + ${is("error")},
            live_day = ${day},
            live_day_ingested = ${saturated("day", "live_day_ingested", deltas.messages_ingested)},
            live_day_failed = ${saturated("day", "live_day_failed", deltas.messages_failed)},
            live_day_heartbeats = CASE WHEN live_day = ${day} THEN live_day_heartbeats ELSE 0 END + 1,
            live_day_healthy = CASE WHEN live_day = ${day} THEN live_day_healthy ELSE 0 END + ${is("healthy")}
          WHERE connector_type = ${hb.connector.connector_type} AND endpoint_identity = ${hb.connector.endpoint_identity}`
        yield* sql`INSERT INTO connector_heartbeat_log ${
          sql.insert({
            connector_type: hb.connector.connector_type,
            endpoint_identity: hb.connector.endpoint_identity,
            instance_id: hb.connector.instance_id,
            version: hb.connector.version ?? null,
            state: hb.status.state,
            error_message: hb.status.error_message ?? null,
            uptime_s: hb.status.uptime_s,
            counter_messages_ingested: c.messages_ingested,
            counter_messages_failed: c.messages_failed,
            counter_source_api_calls: c.source_api_calls,
            counter_checkpoint_saves: c.checkpoint_saves,
            counter_dedupe_accepted: c.dedupe_accepted,
            delta_messages_ingested: deltas.messages_ingested,
            delta_messages_failed: deltas.messages_failed,
            delta_source_api_calls: deltas.source_api_calls,
            delta_checkpoint_saves: deltas.checkpoint_saves,
            delta_dedupe_accepted: deltas.dedupe_accepted,
            checkpoint_cursor: hb.checkpoint?.cursor ?? null,
            checkpoint_updated_at: hb.checkpoint?.updated_at ?? null,
            sent_at: hb.sent_at,
            received_at: receivedAt
          })
        }`
        const outcome: RecordOutcome = {
          kind,
          previous_instance_id: previous?.instance_id ?? null,
          registered
        }
        return outcome
      }))
    }).pipe(guard)

  return HeartbeatStore.of({ record })
})

export const layer = Layer.effect(HeartbeatStore, make)
