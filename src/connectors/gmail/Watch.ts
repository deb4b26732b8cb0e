/**
 * Push mode's `users.watch`: called at start, then again every GMAIL_WATCH_RENEW_INTERVAL_S and always
 * before the watch expires (Google lets one lapse after 7 days). A failing call is logged, counted and
 * retried with backoff; it never stops polling, which goes on at least every five minutes in push mode.
 */
import { Clock, Duration, Effect, Schedule } from "effect"
import { GmailApi } from "../../../services/GmailApi.js"
import { toSourceError } from "./Errors.js"

/** Renew this long before the watch's expiration. */
export const EXPIRY_MARGIN = Duration.hours(1)
/** Never renew more often than this, whatever Google answers. */
export const MIN_RENEWAL = Duration.minutes(1)
/** Backoff of failed watch calls: 5 s doubling, at most 10 minutes apart. */
export const watchRetry = Schedule.exponential(Duration.seconds(5)).pipe(Schedule.union(Schedule.spaced(Duration.minutes(10))))

export interface Options {
  readonly topic: string
  readonly labelIds: ReadonlyArray<string>
  readonly renewInterval: Duration.Duration
  /** Counts a renewal or a failure. */
  readonly count: (name: "watch_renewals" | "watch_failures") => Effect.Effect<void>
}

/** When to call watch again after an answer expiring at `expirationMs`. */
export const nextRenewal = (renewInterval: Duration.Duration, expirationMs: number, nowMs: number): Duration.Duration => {
  const beforeExpiry = Duration.millis(Math.max(0, expirationMs - nowMs - Duration.toMillis(EXPIRY_MARGIN)))
  return Duration.max(MIN_RENEWAL, Duration.min(renewInterval, beforeExpiry))
}

/** The renewal loop (run it in a fiber): each round returns the wait until the next. */
export const loop = (options: Options) =>
  Effect.gen(function*() {
    const api = yield* GmailApi
    const once = Effect.gen(function*() {
      const answer = yield* api.watch({
        topicName: options.topic,
        ...(options.labelIds.length === 0 ? {} : { labelIds: options.labelIds, labelFilterBehavior: "include" as const })
      })
      const nowMs = yield* Clock.currentTimeMillis
      const expiration = Number(answer.expiration)
      const wait = nextRenewal(options.renewInterval, Number.isFinite(expiration) ? expiration : 0, nowMs)
      yield* options.count("watch_renewals")
      yield* Effect.logInfo(`Gmail watch on ${options.topic} renewed; next renewal in ${Duration.format(wait)}`).pipe(
        Effect.annotateLogs({ history_id: answer.historyId, expiration: answer.expiration })
      )
      return wait
    }).pipe(
      Effect.tapError((e) =>
        Effect.zipRight(
          options.count("watch_failures"),
          Effect.logWarning(`Gmail watch failed, retrying (polling goes on): ${toSourceError(e).message}`)
        )
      ),
      Effect.retry(watchRetry)
    )
    return yield* Effect.repeat(once, Schedule.identity<Duration.Duration>().pipe(Schedule.addDelay((wait) => wait)))
  }).pipe(Effect.annotateLogs({ worker: "gmail-watch" }))
