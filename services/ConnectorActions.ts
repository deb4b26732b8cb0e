/**
 * The Actions face of an SDK connector (issue 11): outbound calls by name, each with a payload Schema.
 * The hub's five outbound actions (src/actions, issue 10) are its first users.
 */
import { Context, type Effect, type Schema } from "effect"
import type { ConnectorUnavailable, ResourceInvalid } from "../src/domain/ConnectorErrors.js"

export interface ActionCall {
  readonly tenant: string
  /** Stable across retries of one call; sent to providers that support one. */
  readonly idempotencyKey: string
}

export interface ConnectorAction {
  readonly name: string
  readonly payload: Schema.Schema<unknown, unknown>
  /** Answers a JSON object (e.g. `{"status":"sent"}`). */
  readonly invoke: (payload: unknown, call: ActionCall) => Effect.Effect<Readonly<Record<string, unknown>>, ConnectorUnavailable | ResourceInvalid>
}

export interface ConnectorActionsService {
  readonly actions: ReadonlyArray<ConnectorAction>
}

export class ConnectorActions extends Context.Tag("switchboard/ConnectorActions")<ConnectorActions, ConnectorActionsService>() {}
