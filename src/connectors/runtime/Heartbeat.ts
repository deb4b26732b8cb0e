/**
 * The heartbeat sender (DESIGN.md §5.4): first at start, then at a fixed interval, from the runtime's
 * own counters and health. It runs in its own fiber and swallows its failures (logged), so it never
 * blocks or crashes ingestion; a hub without the Heartbeat RPC is logged once and then ignored.
 */
import { Clock, DateTime, type Duration, Effect, Option, Ref } from "effect"
import {
  fitErrorMessage,
  type HeartbeatInput,
  MAX_COUNTER,
  MAX_SOURCE_COUNTERS,
  SOURCE_COUNTER_NAME
} from "../../domain/Heartbeat.js"
import * as RequestIds from "../../ingest/RequestIds.js"
import * as Policies from "../../policies.js"
import { SwitchboardClient } from "../../../services/SwitchboardClient.js"
import * as Degradation from "./Degradation.js"
import type * as State from "./State.js"

export const CONNECTOR_VERSION = "0.1.0"

export interface Options {
  readonly connectorType: string
  readonly endpointIdentity: string
  readonly capabilities: Readonly<Record<string, boolean>>
  /** Time between heartbeats (already clamped to 30–300 s by the config). */
  readonly interval: Duration.Duration
  /** The connector's own counters (SourceConnector.counters). */
  readonly counters?: Effect.Effect<Readonly<Record<string, number>>> | undefined
  /** The connector's own degradation counts (SourceConnector.degradation), added to the runtime's. */
  readonly degradation?: Effect.Effect<Degradation.OwnCounts> | undefined
}

const REASON = /^[a-z][a-z0-9_]{0,31}$/

/** `skipped.<reason>` / `degraded.<reason>` per reason; a reason that is not a short word counts as `other`. */
const byReason = (prefix: string, counts: Readonly<Record<string, number>>) => {
  const out: Record<string, number> = {}
  for (const [reason, n] of Object.entries(counts)) {
    const key = `${prefix}.${REASON.test(reason) ? reason : "other"}`
    out[key] = (out[key] ?? 0) + n
  }
  return out
}

/** The heartbeat's `source_counters`: the runtime's skips, degradations and resets, then the connector's own. */
export const sourceCounters = (
  snapshot: Pick<State.Snapshot, "skipped" | "degraded" | "cursorResets">,
  own: Readonly<Record<string, number>>
): Record<string, number> => {
  const all: Record<string, number> = {
    ...byReason("skipped", snapshot.skipped),
    ...byReason("degraded", snapshot.degraded),
    ...(snapshot.cursorResets > 0 ? { cursor_resets: snapshot.cursorResets } : {}),
    ...own
  }
  return Object.fromEntries(
    Object.entries(all)
      .filter(([name]) => SOURCE_COUNTER_NAME.test(name))
      .slice(0, MAX_SOURCE_COUNTERS)
      .map(([name, n]) => [name, Math.min(MAX_COUNTER, Math.max(0, Math.floor(n)))])
  )
}

export const make = (options: Options, state: State.State) =>
  Effect.gen(function*() {
    const client = yield* SwitchboardClient
    const instanceId = yield* Effect.flatten(RequestIds.make)
    const startedAt = yield* Clock.currentTimeMillis
    const unsupportedLogged = yield* Ref.make(false)

    /** The heartbeat as of now: the one source of this process's current counters (heartbeats, /health, /metrics). */
    const message = Effect.gen(function*() {
      const snapshot = yield* state.snapshot
      const own = options.counters === undefined ? {} : yield* options.counters
      const ownDegradation = options.degradation === undefined ? {} : yield* options.degradation
      const now = yield* Clock.currentTimeMillis
      const heartbeat: HeartbeatInput = {
        schema_version: "connector.heartbeat.v1",
        connector: {
          connector_type: options.connectorType,
          endpoint_identity: options.endpointIdentity,
          instance_id: instanceId,
          version: CONNECTOR_VERSION
        },
        status: {
          state: snapshot.health.state,
          error_message: snapshot.health.message === null ? null : fitErrorMessage(snapshot.health.message),
          uptime_s: Math.max(0, Math.floor((now - startedAt) / 1000))
        },
        counters: snapshot.counters,
        source_counters: sourceCounters(snapshot, own),
        ...Option.match(snapshot.checkpoint, {
          onNone: () => ({}),
          onSome: (c) => ({ checkpoint: { cursor: JSON.stringify(c.cursor), updated_at: DateTime.formatIso(c.updatedAt) } })
        }),
        capabilities: { ...options.capabilities },
        degradation: Degradation.toHeartbeat(
          { ...snapshot.degradation, cursor_resets: snapshot.degradation.cursor_resets + snapshot.cursorResets },
          ownDegradation,
          snapshot.degraded
        ),
        ...Option.match(snapshot.lastSubmissionAt, {
          onNone: () => ({}),
          onSome: (ms) => ({ last_submission_at: DateTime.formatIso(DateTime.unsafeMake(ms)) })
        }),
        sent_at: DateTime.formatIso(DateTime.unsafeMake(now))
      }
      return heartbeat
    })

    /** Sends one heartbeat; never fails. */
    const send = message.pipe(
      Effect.flatMap(client.heartbeat),
      Effect.tap(() => Effect.logDebug("heartbeat sent")),
      Effect.catchTag("HeartbeatUnsupported", (e) =>
        Effect.flatMap(Ref.getAndSet(unsupportedLogged, true), (logged) =>
          logged ? Effect.void : Effect.logWarning(`heartbeats are ignored until the hub supports them: ${e.message}`))),
      Effect.catchAll((e) => Effect.logWarning(`heartbeat failed (ingestion continues): ${e.message}`).pipe(
        Effect.annotateLogs({ error: e._tag })
      )),
      Effect.withSpan("Heartbeat.send")
    )

    /** First heartbeat now, then one per interval, until interrupted. */
    const loop = Effect.repeat(send, Policies.heartbeatSchedule(options.interval)).pipe(
      Effect.annotateLogs({ worker: "heartbeat" })
    )

    return { instanceId, message, send, loop }
  })
