/**
 * The Actions use case. One call: name → caller → role → body → provider configured → quota and key
 * (`begin`) → provider attempts (retried within ACTIONS_TIMEOUT_S) → success counted or hold released.
 * Whatever the outcome (interruption included), the call writes one action-log line and one metric.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Cause, Clock, Config, Duration, Effect, Either, Exit, Layer, Metric, Option, Schedule, Schema } from "effect"
import { type ActionCall, connectorOf } from "../../src/domain/ActionCatalog.js"
import { mask } from "../../src/actions/Mask.js"
import * as ActionMetrics from "../../src/actions/Metrics.js"
import * as Outcomes from "../../src/actions/Outcomes.js"
import { providerRetry } from "../../src/actions/RetryPolicy.js"
import * as Validate from "../../src/actions/Validate.js"
import { Forbidden, RETRY_AFTER_UNAVAILABLE_S, Unavailable, ValidationError } from "../../src/domain/Errors.js"
import * as Permissions from "../../src/domain/Permissions.js"
import { ActionLog } from "../../services/ActionLog.js"
import {
  ActionAnswer,
  ActionProviders,
  type ProviderFailure,
  type ProviderSuccess
} from "../../services/ActionProviders.js"
import { ActionQuotaStore, type ActionQuotaUnavailable, type Settle } from "../../services/ActionQuotaStore.js"
import {
  ActionNotConfigured,
  type ActionError,
  type ActionOutcome,
  type ActionRequest,
  Actions,
  ActionUpstreamError,
  ActionUpstreamTimeout,
  type Caller,
  dailyLimit,
  errorCode,
  type HealthReport
} from "../../services/Actions.js"
import * as ActionDispatchLive from "./ActionDispatchLive.js"
import * as FileActionLog from "./FileActionLog.js"
import * as PgActionQuotaStore from "./PgActionQuotaStore.js"
import * as ProvidersLive from "./ProvidersLive.js"

export interface Options {
  /** Budget of the outbound part of one call, retries included (ACTIONS_TIMEOUT_S). */
  readonly timeout: Duration.Duration
}

export const OptionsFromEnv: Config.Config<Options> = Config.number("ACTIONS_TIMEOUT_S").pipe(
  Config.validate({ message: "ACTIONS_TIMEOUT_S must be a number of seconds above 0", validation: (s) => s > 0 && s <= 600 }),
  Config.withDefault(10),
  Config.map((s) => ({ timeout: Duration.millis(Math.round(s * 1000)) }))
)

/** May the caller run actions? The table's actions.invoke, or the anonymous caller (only with ACTIONS_ALLOW_ANONYMOUS=true). */
const mayAct = (caller: Caller) => caller.role === "anonymous" || Permissions.allows(caller.role, "actions.invoke")

const unavailable = (e: ActionQuotaUnavailable) =>
  new Unavailable({ message: `database unavailable: ${e.message}`, retry_after_s: RETRY_AFTER_UNAVAILABLE_S })

const decodeAnswer = Schema.decodeUnknownOption(ActionAnswer)

/** What the log line of a call needs, filled in as the call proceeds. */
interface Trace {
  caller: string
  action: string
  connector: string
  externalId: string | null
}

export const make = (options: Options) =>
  Effect.gen(function*() {
    const providers = yield* ActionProviders
    const quota = yield* ActionQuotaStore
    const log = yield* ActionLog
    const budgetMs = Duration.toMillis(options.timeout)

    const connectors = {
      email: providers.email._tag === "Configured",
      notion: providers.notion._tag === "Configured",
      sheets: providers.sheets._tag === "Configured",
      slack: providers.slack._tag === "Configured",
      telegram: providers.telegram._tag === "Configured"
    }
    const health: HealthReport = {
      status: "ok",
      connectors,
      configured: Object.values(connectors).filter(Boolean).length,
      total: 5
    }

    /** The provider's attempts: retried while the provider may accept later and the budget affords the wait. */
    const attempts = (
      call: ActionCall,
      idempotencyKey: string
    ): Effect.Effect<ProviderSuccess, ActionUpstreamError | ActionUpstreamTimeout> =>
      Effect.gen(function*() {
        const connector = connectorOf[call.action]
        const slot = providers[connector]
        if (slot._tag === "NotConfigured") return yield* Effect.dieMessage("provider checked before the call")
        const attempt = slot.attempt as (p: ActionCall["payload"], o: { idempotencyKey: string }) => Effect.Effect<
          ProviderSuccess,
          ProviderFailure
        >
        const deadline = (yield* Clock.currentTimeMillis) + budgetMs
        const retries = ActionMetrics.providerRetriesOf(connector)
        return yield* attempt(call.payload, { idempotencyKey }).pipe(
          Effect.retry({
            schedule: providerRetry,
            while: (e) =>
              e._tag === "ProviderRetryable" &&
              Effect.flatMap(Clock.currentTimeMillis, (now) =>
                now + (e.retry_after_ms ?? 0) < deadline ? Effect.as(Metric.increment(retries), true) : Effect.succeed(false))
          }),
          Effect.mapError((e) => Outcomes.upstreamError(call.action, e)),
          Effect.timeoutFail({
            duration: Duration.millis(budgetMs),
            onTimeout: () =>
              new ActionUpstreamTimeout({
                connector,
                timeout_s: budgetMs / 1000,
                message: `${connector} did not answer within ${budgetMs / 1000} s (ACTIONS_TIMEOUT_S), retries included`
              })
          })
        )
      })

    const settleQuota = (settle: Settle) => (exit: Exit.Exit<ProviderSuccess, ActionUpstreamError | ActionUpstreamTimeout>) =>
      (Exit.isSuccess(exit) ? quota.succeed(settle, exit.value.answer) : quota.release(settle)).pipe(
        Effect.catchAll((e) =>
          Effect.logWarning("actions: could not record the call's outcome; its hold expires on its own").pipe(
            Effect.annotateLogs({ action: settle.action, reason: e.message })
          )
        )
      )

    const runCall = (
      trace: Trace,
      name: ActionCall["action"],
      request: ActionRequest,
      caller: Caller
    ): Effect.Effect<ActionOutcome, ActionError> =>
      Effect.gen(function*() {
        trace.caller = caller.id
        if (!mayAct(caller)) {
          return yield* new Forbidden({
            message: `token ${caller.id} has role ${caller.role}; actions need role actions or admin (switchboard token create --role actions)`
          })
        }
        const { body, key } = yield* Validate.splitKey(request.idempotencyKey, yield* request.body)
        const call = yield* Validate.call(name, body)
        const connector = connectorOf[name]
        const slot = providers[connector]
        if (slot._tag === "NotConfigured") {
          return yield* new ActionNotConfigured({
            connector,
            missing: slot.missing,
            message: `${name} is not configured on this hub: set ${slot.missing.join(" and ")}`
          })
        }
        const issues = (slot.precheck as (p: ActionCall["payload"]) => ReadonlyArray<{ path: string; message: string }>)(
          call.payload
        )
        if (issues.length > 0) {
          return yield* new ValidationError({ message: `invalid ${name} body: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, issues })
        }
        const now = yield* Clock.currentTimeMillis
        const day = Outcomes.dayOf(now)
        const limit = dailyLimit(caller.plan)
        let holdId: string | null = null
        if (limit !== null || key !== null) {
          const begun = yield* quota.begin({
            caller: caller.id,
            action: name,
            day,
            limit,
            key: key === null ? null : { value: key, requestHash: Outcomes.requestHash(name, body) },
            leaseMs: budgetMs + 30_000
          }).pipe(Effect.mapError(unavailable))
          switch (begun._tag) {
            case "Replay": {
              const answer = decodeAnswer(begun.answer)
              if (Option.isSome(answer)) return { answer: answer.value, replayed: true } satisfies ActionOutcome
              return yield* Effect.dieMessage("stored answer of an idempotency key does not decode")
            }
            case "Limited":
              yield* Metric.increment(ActionMetrics.quotaRejectionsOf(name))
              return yield* Outcomes.rateLimited(name, begun.used, begun.limit, now)
            case "InProgress":
              return yield* Outcomes.inProgress
            case "KeyReused":
              return yield* Outcomes.keyReused
            case "Proceed":
              holdId = begun.holdId
          }
        }
        // The provider's key is the same for every retry of this call; derived, so callers cannot collide.
        const success = yield* attempts(call, Outcomes.providerKey(caller.id, key ?? globalThis.crypto.randomUUID())).pipe(
          Effect.onExit(settleQuota({ caller: caller.id, action: name, day, holdId, key }))
        )
        trace.externalId = success.externalId
        return { answer: success.answer, replayed: false } satisfies ActionOutcome
      })

    const writeLog = (trace: Trace, started: number) => (exit: Exit.Exit<ActionOutcome, ActionError>) =>
      Effect.gen(function*() {
        const ended = yield* Clock.currentTimeMillis
        const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
        const code = Exit.isSuccess(exit)
          ? undefined
          : Option.match(failure, {
            onNone: () => (Cause.isInterruptedOnly(exit.cause) ? "interrupted" : "internal_error"),
            onSome: (e) => (errorCode as Record<string, string>)[e._tag] ?? "internal_error"
          })
        const status = Exit.isSuccess(exit) ? (exit.value.replayed ? "replayed" : exit.value.answer.status) : "error"
        const upstreamStatus = Option.flatMap(failure, (e) =>
          e instanceof ActionUpstreamError && e.upstream_status !== null ? Option.some(e.upstream_status) : Option.none())
        yield* log.write({
          ts: new Date(ended).toISOString(),
          caller: trace.caller,
          action: trace.action,
          connector: trace.connector,
          status,
          ms: Math.round((ended - started) * 10) / 10,
          ids_masked: true,
          ...(trace.externalId === null ? {} : { external_id: mask(trace.externalId) }),
          ...(code === undefined ? {} : { error: code }),
          ...(Option.isSome(upstreamStatus) ? { upstream_status: upstreamStatus.value } : {})
        })
        yield* Metric.increment(ActionMetrics.callsOf(trace.action, code ?? status))
      })

    const run: Actions["Type"]["run"] = (request, authenticate) =>
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        const known = Either.getRight(Validate.actionName(request.action))
        const trace: Trace = {
          caller: "unknown",
          action: Option.getOrElse(known, () => "unknown"),
          connector: Option.match(known, { onNone: () => "unknown", onSome: (a) => connectorOf[a] }),
          externalId: null
        }
        const checked: Effect.Effect<ActionOutcome, ActionError> = Effect.flatMap(
          Validate.actionName(request.action),
          (name) => Effect.flatMap(authenticate, (caller) => runCall(trace, name, request, caller))
        )
        return yield* checked.pipe(Effect.onExit(writeLog(trace, started)))
      })

    const usage = (caller: Caller) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const rows = yield* quota.usage(caller.id, Outcomes.dayOf(now - 29 * 86_400_000)).pipe(Effect.mapError(unavailable))
        return Outcomes.usageReport(caller, rows, now)
      })

    yield* quota.prune(90).pipe(
      Effect.tap((removed) => (removed > 0 ? Effect.logInfo("actions: pruned expired holds, keys and old usage").pipe(Effect.annotateLogs({ removed })) : Effect.void)),
      Effect.catchAllCause((cause) => Effect.logWarning("actions: pruning failed", cause)),
      Effect.schedule(Schedule.spaced(Duration.hours(1))),
      Effect.annotateLogs({ worker: "action-prune" }),
      Effect.forkScoped
    )

    return Actions.of({ run, usage, health })
  })

export const layerWith = (options: Options) => Layer.scoped(Actions, make(options))

export const layerConfig = Layer.scoped(Actions, Effect.flatMap(OptionsFromEnv, make))

/**
 * The use case with its providers, quota store and action log, all from the environment (needs the
 * database); the action log defaults to `<dataDir>/logs/actions.log`. Also gives the delivery worker its
 * ActionDispatch for action targets.
 */
export const live = (dataDir: string) =>
  ActionDispatchLive.layer.pipe(
    Layer.provideMerge(layerConfig),
    Layer.provide(Layer.mergeAll(
      ProvidersLive.layer,
      PgActionQuotaStore.layer,
      FileActionLog.layerConfig(dataDir).pipe(Layer.provide(NodeFileSystem.layer))
    ))
  )
