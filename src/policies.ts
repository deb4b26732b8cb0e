/**
 * Every retry and loop policy, named once (DESIGN.md §6). Delays that depend on the failure
 * (Retry-After, conflicts) are chosen from the schedule's input, so one schedule covers one error channel.
 */
import { Duration, Effect, Option, Random, Schedule } from "effect"
import type { IngestUnauthorized, IngestUnavailable } from "../services/SwitchboardClient.js"
import type { SourceError } from "../services/SourceConnector.js"

/** First backoff delay. */
export const BACKOFF_BASE = Duration.millis(500)
/** Longest backoff delay. */
export const BACKOFF_CAP = Duration.seconds(60)
/** How long to wait between attempts while the source or the hub refuses us (409, 401). */
export const SLOW_RETRY = Duration.seconds(30)

/** 0.5 s doubling, jittered ×0.8–1.2, capped at 60 s; never gives up. */
export const backoff: Schedule.Schedule<Duration.Duration> = Schedule.exponential(BACKOFF_BASE).pipe(
  Schedule.jittered,
  Schedule.modifyDelay((_, d) => Duration.millis(Math.round(Duration.toMillis(Duration.min(d, BACKOFF_CAP)))))
)

/** `delay` plus up to 10 % jitter, so a crowd told the same Retry-After does not return in lockstep. */
export const smallJitter = (delay: Duration.Duration) =>
  Effect.map(Random.nextRange(1, 1.1), (f) => Duration.millis(Math.ceil(Duration.toMillis(delay) * f)))

/** Backoff whose delay the input may override (Retry-After, slow retry); `None` keeps the backoff delay. */
const overriding = <E>(choose: (error: E) => Option.Option<Duration.Duration>): Schedule.Schedule<E, E> =>
  Schedule.zipLeft(Schedule.identity<E>(), backoff).pipe(
    Schedule.modifyDelayEffect((error, d) =>
      Option.match(choose(error), { onNone: () => Effect.succeed(d), onSome: smallJitter })
    )
  )

/** Source failures: wait exactly Retry-After on 429, 30 s on 409/401, exponential backoff otherwise. */
export const sourceRetry: Schedule.Schedule<SourceError, SourceError> = overriding((e: SourceError) => {
  switch (e._tag) {
    case "SourceRateLimited":
      return Option.some(e.retryAfter)
    case "SourceConflict":
    case "SourceUnauthorized":
      return Option.some(SLOW_RETRY)
    default:
      return Option.none()
  }
})

/** Which source failures are retried in place (unauthorized stops polling; an expired cursor is reset). */
export const isRetryableSource = (e: SourceError): boolean =>
  e._tag === "SourceTransient" || e._tag === "SourceRateLimited" || e._tag === "SourceConflict"

/** Hub failures: honour Retry-After, back off without one, 30 s while the hub refuses our token; never gives up. */
export const ingestRetry: Schedule.Schedule<IngestUnavailable | IngestUnauthorized, IngestUnavailable | IngestUnauthorized> =
  overriding((e: IngestUnavailable | IngestUnauthorized) =>
    e._tag === "IngestUnauthorized" ? Option.some(SLOW_RETRY) : e.retryAfter
  )

/** A pushed update (webhook) waits at most this long for the hub, then fails so the source redelivers. */
export const pushRetry: Schedule.Schedule<unknown, IngestUnavailable | IngestUnauthorized> = Schedule.intersect(
  ingestRetry,
  Schedule.recurs(3)
)

/** What one poll reports to the polling schedule. */
export interface PollOutcome {
  /** The poll returned something: ask again at once. */
  readonly found: boolean
}

/** Poll again at once after a non-empty batch, after `interval` otherwise. */
export const pollSchedule = (interval: Duration.DurationInput): Schedule.Schedule<PollOutcome, PollOutcome> =>
  Schedule.identity<PollOutcome>().pipe(Schedule.addDelay((o) => (o.found ? Duration.zero : Duration.decode(interval))))

/** Heartbeats at a fixed cadence (the first one is sent before the schedule starts). */
export const heartbeatSchedule = (interval: Duration.DurationInput): Schedule.Schedule<number> => Schedule.fixed(interval)

/** First delay between attempts at a resource connector. */
export const RESOURCE_RETRY_BASE = Duration.millis(100)
/** Attempts after the first at a resource connector. */
export const RESOURCE_RETRY_TIMES = 3

/**
 * Transient resource-connector failures (issue 11): 3 more attempts, 100 ms doubling, jittered ×0.8–1.2
 * (at most about 1 s in all). Apply with `while: isTransientResourceError` (src/domain/ConnectorErrors.ts):
 * never a role denial, a bad payload, not-found, a conflict, or an open breaker.
 */
export const resourceRetry: Schedule.Schedule<[Duration.Duration, number]> = Schedule.exponential(RESOURCE_RETRY_BASE).pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(RESOURCE_RETRY_TIMES))
)
