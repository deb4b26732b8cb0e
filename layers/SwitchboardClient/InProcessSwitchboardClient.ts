/**
 * SwitchboardClient for connectors hosted by the hub: calls the hub's own Ingest (and Heartbeats, when
 * the hub has them) with a fixed principal. Same handler and same rules as over the wire, no side door.
 * A hosted connector's client carries its singleton's fence: its checkpoint commits only while this process
 * holds the connector (services/ConnectorCheckpoints.ts SingletonFence).
 */
import { Effect, Layer, Option } from "effect"
import type { Principal } from "../../src/domain/Principal.js"
import { DEFAULT_TENANT } from "../../src/domain/Roles.js"
import * as TraceContext from "../../src/tracing/TraceContext.js"
import type { SingletonFence } from "../../services/ConnectorCheckpoints.js"
import { Heartbeats } from "../../services/Heartbeats.js"
import { Ingest } from "../../services/Ingest.js"
import { HeartbeatUnsupported, SwitchboardClient } from "../../services/SwitchboardClient.js"
import { batchOutcomes, fromHub } from "./HubErrors.js"

/** A principal scoped to exactly one connector's source, with the ingest role, in tenant default. */
export const principalFor = (
  connectorType: string,
  source: { readonly channel: string; readonly provider: string; readonly endpoint_identity: string }
): Principal => ({ token_id: `in-process:${connectorType}`, role: "ingest", tenant: DEFAULT_TENANT, ...source })

export const make = (principal: Principal, fence?: SingletonFence) =>
  Effect.gen(function*() {
    const ingest = yield* Ingest
    const heartbeats = yield* Effect.serviceOption(Heartbeats)
    return SwitchboardClient.of({
      // With tracing on, each envelope names this call's span as its control.trace_context (src/tracing).
      ingest: (envelope) =>
        Effect.flatMap(TraceContext.stamp(envelope), (stamped) => ingest.accept(stamped, principal)).pipe(
          Effect.mapError(fromHub),
          Effect.withSpan("SwitchboardClient.ingest")
        ),
      ingestBatch: (envelopes, checkpoint) =>
        Effect.flatMap(TraceContext.stampAll(envelopes), (stamped) => ingest.acceptBatch(stamped, principal, checkpoint, fence)).pipe(
          Effect.map((answer) => batchOutcomes(answer.results)),
          Effect.mapError(fromHub),
          Effect.withSpan("SwitchboardClient.ingestBatch")
        ),
      getCheckpoint: (key) =>
        ingest.getCheckpoint(key, principal).pipe(
          Effect.map((answer) => Option.fromNullable(answer.checkpoint)),
          Effect.mapError(fromHub)
        ),
      heartbeat: (message) =>
        Option.match(heartbeats, {
          onNone: () => Effect.fail(new HeartbeatUnsupported({ message: "this hub has no Heartbeats service" })),
          onSome: (h) => h.receive(message, principal).pipe(Effect.mapError(fromHub))
        })
    })
  })

export const layer = (principal: Principal, fence?: SingletonFence) => Layer.effect(SwitchboardClient, make(principal, fence))
