/**
 * A circuit breaker per connector instance (issue 11). Closed, it counts consecutive failures; at
 * CONNECTOR_BREAKER_THRESHOLD (default 5) it opens and every call fails fast with
 * ConnectorUnavailable{transient: false, retry_after_ms} for CONNECTOR_BREAKER_COOLDOWN_S (default 30);
 * then it is half-open: the next call goes through as the one trial (others still fail fast) — a success
 * closes it, a failure opens it for another cool-down. State lives in a Ref; time comes from Clock.
 *
 * What counts as a failure is the caller's choice (the connector being unavailable, or a defect); an
 * answer such as not-found or invalid means the connector works and resets the count.
 * `gate` is the same state machine for callers whose attempts end in a verdict rather than an error
 * (the delivery worker's breaker per target); `make` is a gate with the connector's gauge and logs.
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

/** Options read from `thresholdName` (1 to 1000) and `cooldownName` (seconds, 0.001 to 86400), with the defaults. */
export const configFrom = (thresholdName: string, cooldownName: string): Config.Config<Options> =>
  Config.all({
    threshold: Config.integer(thresholdName).pipe(
      Config.validate({ message: `${thresholdName} must be an integer from 1 to 1000`, validation: (n) => n >= 1 && n <= 1000 }),
      Config.withDefault(defaults.threshold)
    ),
    cooldown: Config.number(cooldownName).pipe(
      Config.validate({ message: `${cooldownName} must be from 0.001 to 86400`, validation: (s) => s >= 0.001 && s <= 86_400 }),
      Config.withDefault(30),
      Config.map((s) => Duration.millis(Math.round(s * 1000)))
    )
  })

/** CONNECTOR_BREAKER_THRESHOLD and CONNECTOR_BREAKER_COOLDOWN_S. */
export const BreakerConfig: Config.Config<Options> = configFrom("CONNECTOR_BREAKER_THRESHOLD", "CONNECTOR_BREAKER_COOLDOWN_S")

type State =
  | { readonly _tag: "closed"; readonly failures: number }
  | { readonly _tag: "open"; readonly failures: number; readonly until: number }
  | { readonly _tag: "half_open"; readonly failures: number; readonly trial: boolean }

type Decision = { readonly _tag: "run"; readonly trial: boolean } | { readonly _tag: "reject"; readonly retryAfterMs?: number }

/** What one call did, as the breaker counts it. */
export type Outcome = "success" | "failure" | "released"

const admitAt = (s: State, now: number): readonly [Decision, State] => {
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

const settleAt = (s: State, outcome: Outcome, trial: boolean, now: number, options: Options): State => {
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

/** What a Gate answers for one call: run it (the half-open trial or not), or reject it with the wait left when known. */
export type Admission = Decision

/** Where a breaker's state is shown: its gauge, and the log line written once per state change. */
export interface Hooks {
  /** The gauge set to STATE_VALUE of each state (0 closed, 1 half-open, 2 open). */
  readonly gauge: Metric.Metric.Gauge<number>
  /** Logs one state change (called once per change, with the new state). */
  readonly changed: (state: BreakerState) => Effect.Effect<void>
}

/** The breaker's state machine without a call shape: for callers whose attempts succeed with a verdict. */
export interface Gate {
  /** Admits one call, or rejects it while open (or while the half-open trial is out). */
  readonly admit: Effect.Effect<Admission>
  /** Records how an admitted call ended. */
  readonly settle: (admission: Admission, outcome: Outcome) => Effect.Effect<void>
  /** The state as seen now, and the consecutive failures counted. */
  readonly state: Effect.Effect<{ readonly breaker: BreakerState; readonly failures: number }>
}

/** A gate over the breaker's state; every state change sets `hooks.gauge` and calls `hooks.changed`. */
export const gate = (options: Options, hooks: Hooks): Effect.Effect<Gate> =>
  Effect.gen(function*() {
    const ref = yield* Ref.make<State>({ _tag: "closed", failures: 0 })
    yield* Metric.set(hooks.gauge, 0)

    const admit = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const decision = yield* Ref.modify(ref, (s) => admitAt(s, now))
      if (decision._tag === "run" && decision.trial) yield* Metric.set(hooks.gauge, Metrics.STATE_VALUE.half_open)
      return decision
    })

    const settle = (admission: Admission, outcome: Outcome) =>
      Effect.gen(function*() {
        if (admission._tag === "reject") return
        const end = yield* Clock.currentTimeMillis
        const [before, after] = yield* Ref.modify(ref, (s) => {
          const next = settleAt(s, outcome, admission.trial, end, options)
          return [[s._tag, next._tag] as const, next]
        })
        if (before !== after) {
          yield* Metric.set(hooks.gauge, Metrics.STATE_VALUE[after])
          yield* hooks.changed(after)
        }
      })

    const state = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const s = yield* Ref.get(ref)
      return { breaker: visible(s, now), failures: s.failures }
    })

    return { admit, settle, state } satisfies Gate
  })

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
    const breaker = yield* gate(options, {
      gauge: Metrics.breakerStateOf(label),
      changed: (after) =>
        after === "open"
          ? Effect.logWarning(`connector ${connectorId}: circuit breaker opened`).pipe(
            Effect.annotateLogs({ connector: connectorId, cooldown_s: Duration.toSeconds(options.cooldown) })
          )
          : Effect.logInfo(`connector ${connectorId}: circuit breaker ${after}`).pipe(Effect.annotateLogs({ connector: connectorId }))
    })

    const health = Effect.map(breaker.state, ({ breaker: state, failures }) =>
      ({ connector_id: connectorId, health: state === "closed" ? "ok" : "degraded", breaker: state, consecutive_failures: failures }) as const
    )

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
          const decision = yield* breaker.admit
          if (decision._tag === "reject") return yield* Effect.fail(rejected(decision.retryAfterMs))
          const exit = yield* Effect.exit(restore(effect))
          const outcome: Outcome = Exit.match(exit, {
            onSuccess: () => "success",
            onFailure: (cause) =>
              Cause.isInterruptedOnly(cause)
                ? "released"
                : Option.match(Cause.failureOption(cause), { onNone: () => "failure", onSome: (e) => (isFailure(e) ? "failure" : "success") })
          })
          yield* breaker.settle(decision, outcome)
          return yield* exit
        })
      )

    return { protect, health } satisfies Breaker
  })
