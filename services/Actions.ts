/**
 * The outbound actions use case (issue 10): run one action for a caller under its plan's quota, with
 * idempotent repeats, retries within the outbound budget, one action-log line per call, and metrics.
 * Its errors keep the seed's codes (`error`) next to the hub's `_tag`; HttpStatus is an annotation.
 */
import { HttpApiSchema } from "@effect/platform"
import { Context, type Effect, Schema } from "effect"
import type { Forbidden, PayloadTooLarge, Unauthorized, Unavailable, ValidationError } from "../src/domain/Errors.js"
import { ActionName, Connector } from "../src/domain/ActionCatalog.js"
import { Plan } from "../src/domain/Principal.js"
import type { ActionAnswer } from "./ActionProviders.js"

export { Plan }

/** Successful calls per action per UTC day, or null for unlimited. */
export const dailyLimit = (plan: Plan): number | null => (plan === "free" ? 1 : null)

/** Who spends the quota: a token (or, when enabled, an anonymous client by a hash of its address). */
export interface Caller {
  /** Token id (`tk_…`), or `anon_<hash>`. */
  readonly id: string
  readonly plan: Plan
  /** Role of the token; `anonymous` only with ACTIONS_ALLOW_ANONYMOUS=true. */
  readonly role: string
}

/** The caller's plan allows no more calls of this action today (free: 1 successful call per action per UTC day). */
export class ActionRateLimited extends Schema.TaggedError<ActionRateLimited>()(
  "ActionRateLimited",
  {
    message: Schema.String,
    action: ActionName,
    limit: Schema.Number,
    used: Schema.Number,
    resets_at: Schema.String,
    upgrade: Schema.Literal("/pricing")
  },
  HttpApiSchema.annotations({ status: 402 })
) {}

/** The action's provider lacks settings; `missing` names the variables. */
export class ActionNotConfigured extends Schema.TaggedError<ActionNotConfigured>()(
  "ActionNotConfigured",
  { message: Schema.String, connector: Connector, missing: Schema.Array(Schema.String) },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** The provider refused the call or kept failing; `upstream_status` is its HTTP status (null: network). */
export class ActionUpstreamError extends Schema.TaggedError<ActionUpstreamError>()(
  "ActionUpstreamError",
  {
    message: Schema.String,
    connector: Connector,
    upstream_status: Schema.NullOr(Schema.Number),
    upstream_code: Schema.String,
    retry_after_s: Schema.NullOr(Schema.Number)
  },
  HttpApiSchema.annotations({ status: 502 })
) {}

/** No answer within the outbound budget (ACTIONS_TIMEOUT_S), retries included. */
export class ActionUpstreamTimeout extends Schema.TaggedError<ActionUpstreamTimeout>()(
  "ActionUpstreamTimeout",
  { message: Schema.String, connector: Connector, timeout_s: Schema.Number },
  HttpApiSchema.annotations({ status: 504 })
) {}

/** The Idempotency-Key is in use by a call still running, or was used for a different call. */
export class ActionIdempotencyConflict extends Schema.TaggedError<ActionIdempotencyConflict>()(
  "ActionIdempotencyConflict",
  { message: Schema.String, reason: Schema.Literal("in_progress", "different_request") },
  HttpApiSchema.annotations({ status: 409 })
) {}

export type ActionError =
  | ValidationError
  | Unauthorized
  | Forbidden
  | PayloadTooLarge
  | Unavailable
  | ActionRateLimited
  | ActionNotConfigured
  | ActionUpstreamError
  | ActionUpstreamTimeout
  | ActionIdempotencyConflict

/** The seed's error code of every failure. */
export const errorCode: { readonly [T in ActionError["_tag"]]: string } = {
  ValidationError: "validation_error",
  Unauthorized: "unauthorized",
  Forbidden: "forbidden",
  PayloadTooLarge: "payload_too_large",
  Unavailable: "unavailable",
  ActionRateLimited: "rate_limited",
  ActionNotConfigured: "not_configured",
  ActionUpstreamError: "upstream_error",
  ActionUpstreamTimeout: "upstream_timeout",
  ActionIdempotencyConflict: "idempotency_conflict"
}

/** One answered call: the answer, and whether it repeats an earlier call's (same Idempotency-Key). */
export interface ActionOutcome {
  readonly answer: ActionAnswer
  readonly replayed: boolean
}

export interface ActionRequest {
  /** The action name as the caller gave it (checked by the use case). */
  readonly action: string
  /** The body, read only once the caller is authenticated (REST reads it from the socket then). */
  readonly body: Effect.Effect<unknown, ValidationError | PayloadTooLarge>
  /** The Idempotency-Key header, if any (the body's `idempotency_key` field is read by the use case). */
  readonly idempotencyKey: string | undefined
}

export const ActionUsage = Schema.Struct({
  action: ActionName,
  today: Schema.Number,
  limit: Schema.NullOr(Schema.Number),
  remaining: Schema.NullOr(Schema.Number),
  last_30_days: Schema.Number,
  by_day: Schema.Array(Schema.Struct({ day: Schema.String, calls: Schema.Number }))
})

export const UsageReport = Schema.Struct({
  caller: Schema.String,
  plan: Plan,
  day: Schema.String,
  resets_at: Schema.String,
  actions: Schema.Array(ActionUsage)
}).annotations({ identifier: "ActionUsageReport" })
export type UsageReport = typeof UsageReport.Type

export const HealthReport = Schema.Struct({
  status: Schema.Literal("ok"),
  connectors: Schema.Struct({
    email: Schema.Boolean,
    notion: Schema.Boolean,
    sheets: Schema.Boolean,
    slack: Schema.Boolean,
    telegram: Schema.Boolean
  }),
  configured: Schema.Number,
  total: Schema.Number
}).annotations({ identifier: "ActionHealth" })
export type HealthReport = typeof HealthReport.Type

export interface ActionsService {
  /**
   * Runs one action. `caller` authenticates it (it may fail with Unauthorized/Unavailable); every call,
   * refused ones included, writes one action-log line.
   */
  readonly run: (
    request: ActionRequest,
    caller: Effect.Effect<Caller, Unauthorized | Unavailable>
  ) => Effect.Effect<ActionOutcome, ActionError>
  /** The caller's usage and limits per action: today and the last 30 days. */
  readonly usage: (caller: Caller) => Effect.Effect<UsageReport, Unavailable>
  /** Which connectors are configured (nothing more). */
  readonly health: HealthReport
}

export class Actions extends Context.Tag("switchboard/Actions")<Actions, ActionsService>() {}
