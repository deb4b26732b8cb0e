/**
 * Action targets (issue 10): delivery targets that run an outbound action instead of posting a webhook.
 * Routes name them like any target; the delivery worker renders the template for each routed request
 * and runs the action under the owner token's plan and quota, with the webhook-id as idempotency key.
 */
import { Context, type Effect } from "effect"
import type { RoutingInputInvalid, RoutingStoreUnavailable, TargetExists, TargetRecord } from "./RoutingStore.js"

export interface NewActionTarget {
  readonly name: string
  /** One of the action names (slack.send, …). */
  readonly action: string
  /** The body template as JSON text (src/actions/Template.ts). */
  readonly template: string
  /** The token (tk_…) whose plan and quota the deliveries spend; role actions or admin, active. */
  readonly owner: string
}

export interface ActionTargetsService {
  /** Adds an action target (or revives a removed target of the same name); everything is checked first. */
  readonly add: (
    input: NewActionTarget
  ) => Effect.Effect<TargetRecord, RoutingStoreUnavailable | TargetExists | RoutingInputInvalid>
}

export class ActionTargets extends Context.Tag("switchboard/ActionTargets")<ActionTargets, ActionTargetsService>() {}
