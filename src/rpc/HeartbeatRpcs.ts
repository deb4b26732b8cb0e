/** The heartbeat RPC (DESIGN.md §5.4, §5.5): `Heartbeat` at `POST /rpc`, answered `{status: "accepted", server_time}`. */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { Forbidden, PayloadTooLarge, Unavailable, ValidationError } from "../domain/Errors.js"
import { HeartbeatAnswer, type HeartbeatInput } from "../domain/Heartbeat.js"

/**
 * The heartbeat as it travels: typed for the client, decoded loosely on the server so an invalid
 * heartbeat comes back as a typed ValidationError instead of a defect (EFFECT_NOTES G15).
 */
export const HeartbeatOnTheWire = Schema.declare(
  (_: unknown): _ is HeartbeatInput => true,
  { identifier: "ConnectorHeartbeatV1Input", description: "a connector.heartbeat.v1 message, validated by the handler" }
)

/** PayloadTooLarge comes from the HTTP edge (a body over the `/rpc` cap), not from the handler. */
export const HeartbeatErrors = Schema.Union(ValidationError, Forbidden, Unavailable, PayloadTooLarge)

export class HeartbeatRpcs extends RpcGroup.make(
  Rpc.make("Heartbeat", { payload: HeartbeatOnTheWire, success: HeartbeatAnswer, error: HeartbeatErrors })
) {}
