/**
 * The Effect RPC group of the outbound actions, served at `POST /actions/rpc` (NDJSON) behind the hub's
 * bearer-token middleware: `ActionSend`, `ActionUsage`, `ActionHealth`, the same use case as REST.
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { Forbidden, PayloadTooLarge, Unauthorized, Unavailable, ValidationError } from "../domain/Errors.js"
import { AuthMiddleware } from "../rpc/AuthMiddleware.js"
import { ActionAnswer } from "../../services/ActionProviders.js"
import {
  ActionIdempotencyConflict,
  ActionNotConfigured,
  ActionRateLimited,
  ActionUpstreamError,
  ActionUpstreamTimeout,
  HealthReport,
  UsageReport
} from "../../services/Actions.js"

export const ActionErrors = Schema.Union(
  ValidationError,
  Unauthorized,
  Forbidden,
  PayloadTooLarge,
  Unavailable,
  ActionRateLimited,
  ActionNotConfigured,
  ActionUpstreamError,
  ActionUpstreamTimeout,
  ActionIdempotencyConflict
)

export const SendAnswer = Schema.Struct({ answer: ActionAnswer, replayed: Schema.Boolean }).annotations({
  identifier: "ActionSendAnswer"
})

export class ActionsRpcs extends RpcGroup.make(
  Rpc.make("ActionSend", {
    // The body is checked by the use case, so a bad one is a typed ValidationError (EFFECT_NOTES G15).
    payload: { action: Schema.String, body: Schema.Unknown, idempotency_key: Schema.optional(Schema.String) },
    success: SendAnswer,
    error: ActionErrors
  }),
  Rpc.make("ActionUsage", { success: UsageReport, error: Unavailable }),
  Rpc.make("ActionHealth", { success: HealthReport })
).middleware(AuthMiddleware) {}
