/**
 * Router over an in-memory copy of the rules and targets, reloaded from the RoutingStore every
 * `refreshInterval` (default 2 s, SWITCHBOARD_ROUTING_REFRESH): a `routes`/`targets` change made
 * with the CLI applies to requests accepted at most that long after it. A failed reload keeps the
 * previous table, is logged and counted. A stored rule that cannot be used (its pattern does not compile,
 * e.g. one stored before patterns ran on RE2) is skipped, logged and counted in
 * `switchboard_routing_rules_skipped`; the other rules keep working.
 */
import { Config, Duration, Effect, Layer, Metric, Ref, Schedule } from "effect"
import * as DeliveryMetrics from "../../src/delivery/Metrics.js"
import type { RoutableMessage } from "../../src/domain/RoutingRules.js"
import * as Rules from "../../src/routing/Rules.js"
import { Router } from "../../services/Router.js"
import { RoutingStore } from "../../services/RoutingStore.js"

export interface Options {
  /** How often rules and targets are reloaded. */
  readonly refreshInterval: Duration.DurationInput
}

export const defaults: Options = { refreshInterval: Duration.seconds(2) }

export const OptionsFromEnv: Config.Config<Options> = Config.all({
  refreshInterval: Config.duration("SWITCHBOARD_ROUTING_REFRESH").pipe(Config.withDefault(defaults.refreshInterval))
})

const decision = (result: "matched" | "general" | "unrouted") =>
  Metric.increment(Metric.tagged(DeliveryMetrics.routingDecisions, "result", result))
const matched = decision("matched")
const general = decision("general")
const unrouted = decision("unrouted")
const skippedFor = (cause: Rules.SkippedRule["cause"]) => Metric.tagged(DeliveryMetrics.routingRulesSkipped, "reason", cause)
const skippedPattern = skippedFor("pattern")
const skippedTarget = skippedFor("target")

/** Rules that cannot be used, logged when the set changes (not on every reload). */
const problemsOf = (skipped: ReadonlyArray<Rules.SkippedRule>) =>
  skipped.map((s) => `rule ${s.id} skipped: ${s.reason}`).join("; ")

export const make = (options: Options = defaults) =>
  Effect.gen(function*() {
    const store = yield* RoutingStore
    const table = yield* Ref.make(Rules.empty)
    const lastProblems = yield* Ref.make("")
    const lastHasGeneral = yield* Ref.make<boolean | undefined>(undefined)

    const refresh = Effect.gen(function*() {
      const snapshot = yield* store.snapshot
      const compiled = Rules.compile(snapshot.rules, snapshot.targets, yield* Ref.get(table))
      yield* Ref.set(table, compiled.table)
      yield* Metric.set(skippedPattern, compiled.skipped.filter((s) => s.cause === "pattern").length)
      yield* Metric.set(skippedTarget, compiled.skipped.filter((s) => s.cause === "target").length)
      const problems = problemsOf(compiled.skipped)
      if ((yield* Ref.getAndSet(lastProblems, problems)) !== problems && problems !== "") {
        yield* Effect.logWarning("routing: some rules are not used").pipe(Effect.annotateLogs({ problems }))
      }
      const hasGeneral = compiled.table.targets.has(Rules.GENERAL_TARGET)
      if ((yield* Ref.getAndSet(lastHasGeneral, hasGeneral)) !== hasGeneral && !hasGeneral) {
        yield* Effect.logInfo(
          `routing: no "${Rules.GENERAL_TARGET}" target; requests no rule matches are accepted and not delivered`
        ).pipe(Effect.annotateLogs({ rules: compiled.table.rules.length, targets: compiled.table.targets.size }))
      }
    })

    yield* refresh
    yield* refresh.pipe(
      Effect.catchAllCause((cause) =>
        Effect.logWarning("routing: reload failed, keeping the previous rules", cause).pipe(
          Effect.zipRight(Metric.increment(DeliveryMetrics.routingRefreshFailures))
        )
      ),
      Effect.schedule(Schedule.spaced(options.refreshInterval)),
      Effect.annotateLogs({ worker: "routing-refresh" }),
      Effect.forkScoped
    )

    const route = (message: RoutableMessage) =>
      Effect.flatMap(Ref.get(table), (t) => {
        const targets = Rules.evaluate(t, message)
        const counted = targets.length === 0
          ? unrouted
          : targets.length === 1 && targets[0] === Rules.GENERAL_TARGET
          ? general
          : matched
        return Effect.as(counted, targets)
      })

    return Router.of({ route, refresh })
  })

export const layer = (options: Options = defaults) => Layer.scoped(Router, make(options))

/** The router with its refresh interval from the environment. */
export const layerFromEnv = Layer.unwrapEffect(Effect.map(OptionsFromEnv, layer))
