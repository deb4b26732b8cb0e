/** The heartbeat use case (DESIGN.md §5.4): validate, authorize against the caller's scope, record. */
import { Context, type Effect } from "effect"
import type { Forbidden, Unavailable, ValidationError } from "../src/domain/Errors.js"
import type { HeartbeatAnswer } from "../src/domain/Heartbeat.js"
import type { Principal } from "../src/domain/Principal.js"

export interface HeartbeatsService {
  /** Accepts one untrusted `connector.heartbeat.v1` message from a token whose scope covers the connector. */
  readonly receive: (
    input: unknown,
    principal: Principal
  ) => Effect.Effect<HeartbeatAnswer, ValidationError | Forbidden | Unavailable>
}

export class Heartbeats extends Context.Tag("switchboard/Heartbeats")<Heartbeats, HeartbeatsService>() {}
