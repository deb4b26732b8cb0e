/**
 * The pure parts of an action call's outcome: UTC days, the hash that ties an idempotency key to its
 * call, the public errors built from a provider failure or a quota decision, and the usage report.
 */
import { createHash } from "node:crypto"
import type { ProviderFailure } from "../../services/ActionProviders.js"
import type { UsageRow } from "../../services/ActionQuotaStore.js"
import {
  ActionIdempotencyConflict,
  ActionRateLimited,
  ActionUpstreamError,
  type Caller,
  dailyLimit,
  type UsageReport
} from "../../services/Actions.js"
import { type ActionName, actionNames, connectorOf } from "../domain/ActionCatalog.js"

/** The UTC day of a time, YYYY-MM-DD. */
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** The next UTC midnight after a time, when a day's quota resets. */
export const nextMidnight = (ms: number) => {
  const d = new Date(ms)
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)).toISOString()
}

/** JSON with sorted keys: the same call hashes the same however its keys were ordered. */
const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(",")}]`
    : typeof value === "object" && value !== null
    ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`
    : JSON.stringify(value) ?? "null"

export const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex")

/** What an idempotency key is bound to: the action and its body. */
export const requestHash = (action: ActionName, body: unknown) => sha256(canonical({ action, body }))

/** The key sent to a provider: the same for every retry of one call, and different for every caller. */
export const providerKey = (callerId: string, key: string) => `sw-${sha256(`${callerId}\n${key}`).slice(0, 48)}`

/** A provider failure as the caller sees it (502): status and code, never the provider's message. */
export const upstreamError = (action: ActionName, failure: ProviderFailure) => {
  const c = connectorOf[action]
  if (failure._tag === "ProviderRejected") {
    return new ActionUpstreamError({
      connector: c,
      upstream_status: failure.status,
      upstream_code: failure.code,
      retry_after_s: null,
      message: `${c} refused the call: HTTP ${failure.status} ${failure.code}`
    })
  }
  const retryAfter = failure.retry_after_ms === null ? null : Math.ceil(failure.retry_after_ms / 1000)
  return new ActionUpstreamError({
    connector: c,
    upstream_status: failure.status,
    upstream_code: failure.code,
    retry_after_s: retryAfter,
    message: failure.status === null
      ? `${c} could not be reached (network error), retries included`
      : `${c} answered HTTP ${failure.status} ${failure.code}${
        retryAfter === null ? ", retries included" : `; it asked to retry after ${retryAfter} s`
      }`
  })
}

/** The 402 in the seed's words. */
export const rateLimited = (action: ActionName, used: number, limit: number, nowMs: number) =>
  new ActionRateLimited({
    action,
    limit,
    used,
    resets_at: nextMidnight(nowMs),
    upgrade: "/pricing",
    message: `Free plan: ${limit} ${connectorOf[action]} call/day. Upgrade for unlimited.`
  })

export const inProgress = new ActionIdempotencyConflict({
  reason: "in_progress",
  message: "a call with this Idempotency-Key is still running; retry it later for its answer"
})

export const keyReused = new ActionIdempotencyConflict({
  reason: "different_request",
  message: "this Idempotency-Key was used for a different call in the last 24 h; use a new key"
})

/** Usage per action: today, the limit and what remains, and the last 30 days (`rows` from 29 days ago on). */
export const usageReport = (caller: Caller, rows: ReadonlyArray<UsageRow>, nowMs: number): UsageReport => {
  const today = dayOf(nowMs)
  const limit = dailyLimit(caller.plan)
  return {
    caller: caller.id,
    plan: caller.plan,
    day: today,
    resets_at: nextMidnight(nowMs),
    actions: actionNames.map((action) => {
      const mine = rows.filter((r) => r.action === action)
      const used = mine.find((r) => r.day === today)?.used ?? 0
      return {
        action,
        today: used,
        limit,
        remaining: limit === null ? null : Math.max(0, limit - used),
        last_30_days: mine.reduce((sum, r) => sum + r.used, 0),
        by_day: mine.map((r) => ({ day: r.day, calls: r.used }))
      }
    })
  }
}
