/**
 * Connectors running inside the hub in push mode (webhooks) register how to take one pushed update;
 * the hub's webhook routes look the receiver up by connector type and endpoint identity.
 */
import { Context, type Effect, type Option, type Scope, Schema } from "effect"

/** The connector could not take the update now (hub busy, source error…): answer non-2xx so the source redelivers. */
export class PushFailed extends Schema.TaggedError<PushFailed>()("PushFailed", {
  message: Schema.String
}) {}

/** Takes one pushed update; succeeds once it was accepted (or deliberately skipped). */
export type PushReceiver = (update: unknown) => Effect.Effect<void, PushFailed>

export interface PushReceiversService {
  /** Registers `receive` for `(connectorType, endpointIdentity)` until the scope closes (a later one replaces it). */
  readonly register: (
    connectorType: string,
    endpointIdentity: string,
    receive: PushReceiver
  ) => Effect.Effect<void, never, Scope.Scope>
  /** The receiver of an endpoint, if a connector serves it in this process. */
  readonly lookup: (connectorType: string, endpointIdentity: string) => Effect.Effect<Option.Option<PushReceiver>>
}

export class PushReceivers extends Context.Tag("switchboard/PushReceivers")<PushReceivers, PushReceiversService>() {}
