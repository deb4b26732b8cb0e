/**
 * The circuit breaker per delivery target (issue 11): one Breaker gate per target, made on first use.
 * After `threshold` consecutive failed attempts at a target it opens; its due rows are then not
 * attempted but rescheduled (no attempt spent, never dead-lettered for it) until the cool-down ends;
 * then one trial goes through, and a success closes it. A failed attempt is one the receiver did not
 * answer usefully (network error, timeout, 408, 429, 5xx, refused address); a 2xx or another 4xx means
 * the target works. State changes are logged once with the target name (never its URL) and shown in the
 * gauge switchboard_delivery_breaker_state, whose `target` label is bounded (LabelBudget: beyond
 * MAX_TARGET_LABELS targets share "other").
 */
import { Duration, Effect, Metric, Ref, SynchronizedRef } from "effect"
import * as DeliveryMetrics from "../../src/delivery/Metrics.js"
import * as LabelBudget from "../../src/metrics/LabelBudget.js"
import * as Breaker from "../../src/sdk/Breaker.js"
import type { AttemptResult } from "../../services/DeliveryStore.js"

/** Targets that get a breaker gauge of their own; further ones share the label "other". */
export const MAX_TARGET_LABELS = 64

/** Whether an attempt's result counts against its target's breaker. */
export const outcomeOf = (result: AttemptResult): Breaker.Outcome => {
  if (result._tag === "Delivered") return "success"
  if (result._tag === "Retry") return "failure"
  const status = result.status
  return status === null || status >= 500 || status === 408 || status === 429 ? "failure" : "success"
}

/** What the breaker of a row's target said. */
export type Admission =
  | { readonly _tag: "attempt"; readonly settle: (result: AttemptResult | "released") => Effect.Effect<void> }
  | { readonly _tag: "postpone"; readonly untilMs: number }

export interface TargetBreakers {
  /** Admits one attempt at `target` (the answer says how to record its result), or says until when to postpone the row. */
  readonly admit: (target: string, nowMs: number) => Effect.Effect<Admission>
}

/** How long a row waits when its target's half-open trial is still out (at most the cool-down). */
export const TRIAL_WAIT = Duration.seconds(1)

export const make = (options: { readonly breaker: Breaker.Options }) =>
  Effect.gen(function*() {
    const gates = yield* SynchronizedRef.make(new Map<string, Breaker.Gate>())
    const labels = yield* Ref.make(LabelBudget.empty(new Set(), MAX_TARGET_LABELS))
    const cooldownS = Duration.toSeconds(options.breaker.cooldown)
    // While the half-open trial is out, other rows look again soon: once it succeeds they go at once.
    const trialWaitMs = Duration.toMillis(Duration.min(options.breaker.cooldown, TRIAL_WAIT))

    const changed = (target: string) => (state: "closed" | "open" | "half_open") =>
      state === "open"
        ? Effect.logWarning(`delivery: circuit breaker of target ${target} opened; its deliveries wait for the cool-down`)
          .pipe(Effect.annotateLogs({ target, threshold: options.breaker.threshold, cooldown_s: cooldownS }))
        : Effect.logInfo(`delivery: circuit breaker of target ${target} ${state}`).pipe(Effect.annotateLogs({ target }))

    const gateOf = (target: string) =>
      SynchronizedRef.modifyEffect(gates, (m) => {
        const known = m.get(target)
        if (known !== undefined) return Effect.succeed([known, m] as const)
        return Effect.gen(function*() {
          const label = yield* Ref.modify(labels, (b) => {
            const [admission, next] = LabelBudget.admit(b, target)
            return [admission.label, next]
          })
          const gauge = Metric.tagged(DeliveryMetrics.breakerState, "target", label)
          const gate = yield* Breaker.gate(options.breaker, { gauge, changed: changed(target) })
          return [gate, new Map(m).set(target, gate)] as const
        })
      })

    const admit = (target: string, nowMs: number) =>
      Effect.gen(function*() {
        const gate = yield* gateOf(target)
        const decision = yield* gate.admit
        if (decision._tag === "reject") {
          return { _tag: "postpone", untilMs: nowMs + (decision.retryAfterMs ?? trialWaitMs) } satisfies Admission
        }
        return {
          _tag: "attempt",
          settle: (result) => gate.settle(decision, result === "released" ? "released" : outcomeOf(result))
        } satisfies Admission
      })

    return { admit } satisfies TargetBreakers
  })
