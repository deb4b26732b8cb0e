/**
 * ActionDispatch over the Actions use case: renders the target's template from the routed request and
 * runs the action as the target's owner token (its plan and quota), with the delivery's webhook-id as
 * the Idempotency-Key, so a redelivery after a crash or a replay of a delivered call is answered from
 * the first result. Quota exhaustion waits for the next UTC day; provider 4xx and bad bodies are permanent.
 */
import { Clock, Effect, Layer } from "effect"
import { statusOf } from "../../src/actions/Answers.js"
import * as Template from "../../src/actions/Template.js"
import type { Verdict } from "../../src/domain/DeliveryVerdict.js"
import { RETRY_AFTER_UNAVAILABLE_S, Unauthorized, Unavailable } from "../../src/domain/Errors.js"
import { ActionDispatch } from "../../services/ActionDispatch.js"
import { ActionQuotaStore } from "../../services/ActionQuotaStore.js"
import { type ActionError, Actions, type Caller, errorCode } from "../../services/Actions.js"
import type { ClaimedDelivery } from "../../services/DeliveryStore.js"
import { Plan } from "../../src/domain/Principal.js"

const iso = (value: Date | string) => (typeof value === "string" ? new Date(value).toISOString() : value.toISOString())

export const valuesOf = (row: ClaimedDelivery): Template.Values => ({
  normalized_text: row.request.normalized_text,
  sender_identity: row.request.sender_identity,
  channel: row.request.source_channel,
  provider: row.request.source_provider,
  endpoint_identity: row.request.source_endpoint_identity,
  request_id: row.request_id,
  received_at: iso(row.request.received_at),
  observed_at: iso(row.request.observed_at),
  external_event_id: row.request.external_event_id ?? "",
  external_thread_id: row.request.external_thread_id ?? "",
  dedupe_key: row.request.dedupe_key,
  webhook_id: row.webhook_id,
  target: row.target
})

const transient = (status: number | null, error: string, retryAfterMs: number | null = null): Verdict => ({
  _tag: "Transient",
  status,
  error,
  retryAfterMs
})

/** The delivery verdict of a failed action call. */
export const verdictOf = (e: ActionError, nowMs: number): Verdict => {
  const status = statusOf[e._tag]
  const error = `${errorCode[e._tag]}: ${e.message}`
  switch (e._tag) {
    case "ActionRateLimited":
      return transient(status, error, Math.max(1000, Date.parse(e.resets_at) - nowMs))
    case "ActionNotConfigured":
    case "ActionUpstreamTimeout":
    case "Unavailable":
      return transient(status, error)
    case "ActionIdempotencyConflict":
      return e.reason === "in_progress" ? transient(status, error) : { _tag: "Permanent", status, error }
    case "ActionUpstreamError":
      return e.upstream_status === null || e.upstream_status === 408 || e.upstream_status === 429 || e.upstream_status >= 500
        ? transient(status, error, e.retry_after_s === null ? null : e.retry_after_s * 1000)
        : { _tag: "Permanent", status, error }
    default:
      return { _tag: "Permanent", status, error }
  }
}

export const make = Effect.gen(function*() {
  const actions = yield* Actions
  const quota = yield* ActionQuotaStore

  const ownerOf = (tokenId: string, target: string) =>
    quota.owner(tokenId).pipe(
      Effect.mapError((e) => new Unavailable({ message: `database unavailable: ${e.message}`, retry_after_s: RETRY_AFTER_UNAVAILABLE_S })),
      Effect.flatMap((owner) =>
        owner === null || !owner.active
          ? Effect.fail(new Unauthorized({ message: `the owner token ${tokenId} of target ${target} is missing, revoked or expired` }))
          : Effect.succeed<Caller>({ id: tokenId, plan: Plan.literals.find((p) => p === owner.plan) ?? "free", role: owner.role })
      )
    )

  const attempt = (row: ClaimedDelivery): Effect.Effect<Verdict> => {
    const spec = row.action
    if (spec === undefined) return Effect.succeed({ _tag: "Permanent", status: null, error: `target "${row.target}" is not an action target` })
    return actions.run(
      { action: spec.name, body: Effect.succeed(Template.render(spec.template, valuesOf(row))), idempotencyKey: row.webhook_id },
      ownerOf(spec.owner, row.target)
    ).pipe(
      Effect.as<Verdict>({ _tag: "Delivered", status: 200 }),
      Effect.catchAll((e) => Effect.map(Clock.currentTimeMillis, (now) => verdictOf(e, now)))
    )
  }

  return ActionDispatch.of({ attempt })
})

export const layer = Layer.effect(ActionDispatch, make)
