/** The routing decision at acceptance: rules and targets cached from the database, evaluated in memory. */
import { Context, type Effect } from "effect"
import type { RoutableMessage } from "../src/domain/RoutingRules.js"
import type { RoutingStoreUnavailable } from "./RoutingStore.js"

export interface RouterService {
  /** The targets of a request under the cached rules (which trail the database by at most the refresh interval). */
  readonly route: (message: RoutableMessage) => Effect.Effect<ReadonlyArray<string>>
  /** Reloads targets and rules from the database now. */
  readonly refresh: Effect.Effect<void, RoutingStoreUnavailable>
}

export class Router extends Context.Tag("switchboard/Router")<Router, RouterService>() {}
