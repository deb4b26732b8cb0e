/**
 * How an action call retries its provider (named once): 429, 408, 5xx and network failures, at most
 * MAX_RETRIES times, waiting the provider's Retry-After (or Telegram's retry_after) when it gave one and
 * 250 ms doubling with jitter otherwise. The caller's budget (ACTIONS_TIMEOUT_S) bounds the whole call;
 * a wait the budget cannot afford is not started (see Actions: `while`).
 */
import { Duration, Schedule } from "effect"
import type { ProviderFailure } from "../../services/ActionProviders.js"

export const MAX_RETRIES = 3
export const BASE_DELAY = Duration.millis(250)

export const providerRetry: Schedule.Schedule<ProviderFailure, ProviderFailure> = Schedule.identity<ProviderFailure>().pipe(
  Schedule.zipLeft(Schedule.exponential(BASE_DELAY).pipe(Schedule.jittered)),
  Schedule.zipLeft(Schedule.recurs(MAX_RETRIES)),
  Schedule.modifyDelay((failure, delay) =>
    failure._tag === "ProviderRetryable" && failure.retry_after_ms !== null ? Duration.millis(failure.retry_after_ms) : delay
  )
)
