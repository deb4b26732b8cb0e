/**
 * A circuit breaker per connector instance (issue 11). Closed, it counts consecutive failures; at
 * CONNECTOR_BREAKER_THRESHOLD (default 5) it opens and every call fails fast with
 * ConnectorUnavailable{transient: false, retry_after_ms} for CONNECTOR_BREAKER_COOLDOWN_S (default 30);
 * then it is half-open: the next call goes through as the one trial (others still fail fast) — a success
 * closes it, a failure opens it for another cool-down. State lives in a Ref; time comes from Clock.
 *
 * What counts as a failure is the caller's choice (the connector being unavailable, or a defect); an
 * answer such as not-found or invalid means the connector works and resets the count.
 */
import { Cause, Clock, Config, Duration, Effect, Exit, Metric, Option, Ref } from "effect"
import type { BreakerState, ConnectorHealth } from "../../services/ConnectorOperations.js"
import { ConnectorUnavailable } from "../domain/ConnectorErrors.js"
import * as Metrics from "./Metrics.js"

export interface Options {
  /** Consecutive failures that open the breaker. */
  readonly threshold: number
  /** How long it stays open before the trial call. */
  readonly cooldown: Duration.Duration
}

export const defaults: Options = { threshold: 5, cooldown: Duration.seconds(30) }

/** CONNECTOR_BREAKER_THRESHOLD and CONNECTOR_BREAKER_COOLDOWN_S. */
export const BreakerConfig: Config.Config<Options> = Config.all({
  threshold: Config.integer("CONNECTOR_BREAKER_THRESHOLD").pipe(
    Config.validate({ message: "CONNECTOR_BREAKER_THRESHOLD must be an integer from 1 to 1000", validation: (n) => n >= 1 && n <= 1000 }),
    Config.withDefault(defaults.threshold)
  ),
  cooldown: Config.number("CONNECTOR_BREAKER_COOLDOWN_S").pipe(
    Config.validate({ message: "CONNECTOR_BREAKER_COOLDOWN_S must be from 0.001 to 86400", validation: (s) => s >= 0.001 && s <= 86_400 }),
    Config.withDefault(30),
    Config.map((s) => Duration.millis(Math.round(s * 1000)))
  )
})

type State =
  | { readonly _tag: "closed"; readonly failures: number }
  | { readonly _tag: "open"; readonly failures: number; readonly until: number }
  | { readonly _tag: "half_open"; readonly failures: number; readonly trial: boolean }

type Decision = { readonly _tag: "run"; readonly trial: boolean } | { readonly _tag: "reject"; readonly retryAfterMs?: number }

/** What one call did, as the breaker counts it. */
export type Outcome = "success" | "failure" | "released"

const admit = (s: State, now: number): readonly [Decision, State] => {
  switch (s._tag) {
    case "closed":
      return [{ _tag: "run", trial: false }, s]
    case "open":
      return now < s.until
        ? [{ _tag: "reject", retryAfterMs: s.until - now }, s]
        : [{ _tag: "run", trial: true }, { _tag: "half_open", failures: s.failures, trial: true }]
    case "half_open":
      // One trial at a time; how long it takes is unknown, so no retry_after_ms.
      return s.trial ? [{ _tag: "reject" }, s] : [{ _tag: "run", trial: true }, { ...s, trial: true }]
  }
}

const settle = (s: State, outcome: Outcome, trial: boolean, now: number, options: Options): State => {
  if (outcome === "released") return trial && s._tag === "half_open" ? { ...s, trial: false } : s
  if (outcome === "success") return trial || s._tag === "closed" ? { _tag: "closed", failures: 0 } : s
  const failures = s.failures + 1
  if (trial || (s._tag === "closed" && failures >= options.threshold)) {
    return { _tag: "open", failures, until: now + Duration.toMillis(options.cooldown) }
  }
  return s._tag === "closed" ? { _tag: "closed", failures } : s
}

/** The state as seen at `now` (open past its cool-down reads half-open: the next call is the trial). */
const visible = (s: State, now: number): BreakerState =>
  s._tag === "open" ? (now >= s.until ? "half_open" : "open") : s._tag

export interface Breaker {
  /** Runs `effect` through the breaker; `isFailure` says which of its errors count against the connector. */
  readonly protect: <A, E>(
    effect: Effect.Effect<A, E>,
    isFailure: (error: E) => boolean
  ) => Effect.Effect<A, E | ConnectorUnavailable>
  /** Current state and health. */
  readonly health: Effect.Effect<ConnectorHealth>
}

/** A breaker for `connectorId`; `label` is its bounded metric label. */
export const make = (connectorId: string, options: Options, label: string = connectorId): Effect.Effect<Breaker> =>
  Effect.gen(function*() {
    const ref = yield* Ref.make<State>({ _tag: "closed", failures: 0 })
    const gauge = Metrics.breakerStateOf(label)
    yield* Metric.set(gauge, 0)

    const health = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const s = yield* Ref.get(ref)
      const breaker = visible(s, now)
      return { connector_id: connectorId, health: breaker === "closed" ? "ok" : "degraded", breaker, consecutive_failures: s.failures } as const
    })

    const rejected = (retryAfterMs: number | undefined) =>
      new ConnectorUnavailable({
        message: `connector ${connectorId}: circuit breaker open after ${options.threshold} consecutive failures; failing fast`,
        connector_id: connectorId,
        transient: false,
        ...(retryAfterMs === undefined ? {} : { retry_after_ms: retryAfterMs })
      })

    const protect = <A, E>(effect: Effect.Effect<A, E>, isFailure: (error: E) => boolean) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const decision = yield* Ref.modify(ref, (s) => admit(s, now))
          if (decision._tag === "reject") return yield* Effect.fail(rejected(decision.retryAfterMs))
          if (decision.trial) yield* Metric.set(gauge, Metrics.STATE_VALUE.half_open)
          const exit = yield* Effect.exit(restore(effect))
          const outcome: Outcome = Exit.match(exit, {
            onSuccess: () => "success",
            onFailure: (cause) =>
              Cause.isInterruptedOnly(cause)
                ? "released"
                : Option.match(Cause.failureOption(cause), { onNone: () => "failure", onSome: (e) => (isFailure(e) ? "failure" : "success") })
          })
          const end = yield* Clock.currentTimeMillis
          const [before, after] = yield* Ref.modify(ref, (s) => {
            const next = settle(s, outcome, decision.trial, end, options)
            return [[s._tag, next._tag] as const, next]
          })
          if (before !== after) {
            yield* Metric.set(gauge, Metrics.STATE_VALUE[after])
            yield* after === "open"
              ? Effect.logWarning(`connector ${connectorId}: circuit breaker opened`).pipe(
                Effect.annotateLogs({ connector: connectorId, cooldown_s: Duration.toSeconds(options.cooldown) })
              )
              : Effect.logInfo(`connector ${connectorId}: circuit breaker ${after}`).pipe(Effect.annotateLogs({ connector: connectorId }))
          }
          return yield* exit
        })
      )

    return { protect, health } satisfies Breaker
  })
