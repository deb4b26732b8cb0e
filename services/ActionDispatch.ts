/**
 * Delivery of routed requests to action targets (issue 10): the delivery worker hands it each claimed
 * row of an action target and records the verdict like a webhook's (retries, dead letters, replay).
 */
import { Context, type Effect } from "effect"
import type { Verdict } from "../src/domain/DeliveryVerdict.js"
import type { ClaimedDelivery } from "./DeliveryStore.js"

export interface ActionDispatchService {
  /** One attempt at the row's action; never fails (every failure is a transient or permanent verdict). */
  readonly attempt: (row: ClaimedDelivery) => Effect.Effect<Verdict>
}

export class ActionDispatch extends Context.Tag("switchboard/ActionDispatch")<ActionDispatch, ActionDispatchService>() {}
