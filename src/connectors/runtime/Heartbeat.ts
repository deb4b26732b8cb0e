/**
 * The heartbeat sender (DESIGN.md §5.4): first at start, then at a fixed interval, from the runtime's
 * own counters and health. It runs in its own fiber and swallows its failures (logged), so it never
 * blocks or crashes ingestion; a hub without the Heartbeat RPC is logged once and then ignored.
 */
import { Clock, DateTime, type Duration, Effect, Option, Ref } from "effect"
import { fitErrorMessage, type HeartbeatInput } from "../../domain/Heartbeat.js"
import * as RequestIds from "../../ingest/RequestIds.js"
import * as Policies from "../../policies.js"
import { SwitchboardClient } from "../../../services/SwitchboardClient.js"
import type { State } from "./State.js"

export const CONNECTOR_VERSION = "0.1.0"

export interface Options {
  readonly connectorType: string
  readonly endpointIdentity: string
  readonly capabilities: Readonly<Record<string, boolean>>
  /** Time between heartbeats (already clamped to 30–300 s by the config). */
  readonly interval: Duration.Duration
}

export const make = (options: Options, state: State) =>
  Effect.gen(function*() {
    const client = yield* SwitchboardClient
    const instanceId = yield* Effect.flatten(RequestIds.make)
    const startedAt = yield* Clock.currentTimeMillis
    const unsupportedLogged = yield* Ref.make(false)

    /** The heartbeat as of now. */
    const message = Effect.gen(function*() {
      const snapshot = yield* state.snapshot
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
        ...Option.match(snapshot.checkpoint, {
          onNone: () => ({}),
          onSome: (c) => ({ checkpoint: { cursor: JSON.stringify(c.cursor), updated_at: DateTime.formatIso(c.updatedAt) } })
        }),
        capabilities: { ...options.capabilities },
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
