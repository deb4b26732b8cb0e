/**
 * ConnectorOperations over the registry (issue 11): role check first (CONNECTOR_RBAC_ROLE through the
 * permissions table, fail closed), then registry.load (unknown, disabled), then per call a session on
 * the connector's Resources face for the caller's tenant: connect → operation → disconnect. Attempts go
 * through the connector instance's circuit breaker; transient failures are retried with the named
 * `resourceRetry` policy (an open breaker is not transient, so retries stop at once). One log line per
 * call, never with payload values. Each connector's Resources face is built once per definition, in
 * this layer's scope, over the host services this layer was built with.
 */
import type { FileSystem, HttpClient, Path } from "@effect/platform"
import { Cause, Clock, Config, Context, Effect, ExecutionStrategy, Exit, Layer, Metric, Option, Ref, type Schedule, Scope, SynchronizedRef } from "effect"
import type { ConnectorDefinition } from "../../services/ConnectorDefinition.js"
import {
  ConnectorOperations,
  type OperationError,
  type OperationResult,
  type ResourceOperation
} from "../../services/ConnectorOperations.js"
import { ConnectorRegistry, type RegistryEntry } from "../../services/ConnectorRegistry.js"
import { ResourceConnector, type ResourceConnectorService } from "../../services/ConnectorResources.js"
import type { ResourceStore } from "../../services/ResourceStore.js"
import { ConnectorLoadFailed, isTransientResourceError, ResourceInvalid } from "../../src/domain/ConnectorErrors.js"
import type { Principal } from "../../src/domain/Principal.js"
import * as Permissions from "../../src/domain/Permissions.js"
import type { RankedRole } from "../../src/domain/Roles.js"
import * as LabelBudget from "../../src/metrics/LabelBudget.js"
import { resourceRetry } from "../../src/policies.js"
import * as Bounds from "../../src/sdk/Bounds.js"
import * as Breaker from "../../src/sdk/Breaker.js"
import * as Metrics from "../../src/sdk/Metrics.js"
import * as Session from "../../src/sdk/Session.js"

export interface Options {
  /** The ranked role resource operations need (CONNECTOR_RBAC_ROLE). */
  readonly resourceRole: RankedRole
  readonly breaker: Breaker.Options
  /** Between attempts of a transient failure (default: `resourceRetry`). */
  readonly retry: Schedule.Schedule<unknown, unknown>
}

/** What the Resources faces are given (services/ConnectorDefinition.ts ResourceHost). */
type Host = ResourceStore | HttpClient.HttpClient | FileSystem.FileSystem | Path.Path

interface Instance {
  readonly definition: ConnectorDefinition
  readonly connector: ResourceConnectorService
  readonly scope: Scope.CloseableScope
}

/** Most distinct connector label values; beyond, "other" (registered ids are few, but stay bounded). */
const MAX_CONNECTOR_LABELS = 64

const outcomeOf = (exit: Exit.Exit<OperationResult, OperationError>): Metrics.Outcome => {
  if (Exit.isSuccess(exit)) return "ok"
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "None") return "unavailable"
  const e = failure.value
  switch (e._tag) {
    case "ResourceNotFound":
      return "not_found"
    case "ResourceConflict":
      return "conflict"
    case "ResourceInvalid":
      return "invalid"
    case "ConnectorNotConnected":
      return "not_connected"
    case "ConnectorUnavailable":
      return e.transient ? "unavailable" : "breaker_open"
    case "RoleDenied":
      return "denied"
    case "ConnectorUnknown":
      return "unknown_connector"
    case "ConnectorDisabled":
      return "disabled"
    case "ConnectorLoadFailed":
      return "load_failed"
    case "Unavailable":
      return "registry_unavailable"
  }
}

export const make = (options: Options) =>
  Effect.gen(function*() {
    const registry = yield* ConnectorRegistry
    const host = yield* Effect.context<Host>()
    const scope = yield* Effect.scope
    const instances = yield* SynchronizedRef.make(new Map<string, Instance>())
    const breakers = yield* SynchronizedRef.make(new Map<string, Breaker.Breaker>())
    const labels = yield* Ref.make(LabelBudget.empty(new Set(), MAX_CONNECTOR_LABELS))

    const labelOf = (id: string) => Ref.modify(labels, (b) => {
      const [admission, next] = LabelBudget.admit(b, id)
      return [admission.label, next]
    })

    /** The face could not be built (its settings, its start): ConnectorLoadFailed naming the registered module. */
    const loadFailed = (id: string, message: string) =>
      Effect.flatMap(registry.current(id).pipe(Effect.orElseSucceed(() => Option.none<RegistryEntry>())), (entry) =>
        Effect.fail(new ConnectorLoadFailed({
          message: `connector ${id}: ${message}`.slice(0, 500),
          connector_id: id,
          module: Option.match(entry, { onNone: () => "unknown", onSome: (e) => e.module })
        })))

    /** The Resources face of `definition`, built once per definition object. */
    const instanceOf = (definition: ConnectorDefinition) =>
      SynchronizedRef.modifyEffect(instances, (m) =>
        Effect.gen(function*() {
          const known = m.get(definition.id)
          if (known !== undefined && known.definition === definition) return [known, m] as const
          const face = definition.resources
          if (face === undefined) {
            return yield* new ResourceInvalid({
              message: `connector ${definition.id} has no Resources face`,
              issues: [{ path: "connector", message: "has no Resources face" }]
            })
          }
          if (known !== undefined) yield* Scope.close(known.scope, Exit.void)
          const own = yield* Scope.fork(scope, ExecutionStrategy.sequential)
          const built = yield* Layer.buildWithScope(face.layer, own).pipe(
            Effect.provide(host),
            Effect.tapError(() => Scope.close(own, Exit.void)),
            Effect.catchAll((e) =>
              loadFailed(definition.id, e._tag === "ConnectorStartFailed" ? e.message : `configuration: ${String(e)}`)
            )
          )
          const instance: Instance = { definition, connector: Context.get(built, ResourceConnector), scope: own }
          return [instance, new Map(m).set(definition.id, instance)] as const
        }))

    const breakerOf = (id: string, label: string) =>
      SynchronizedRef.modifyEffect(breakers, (m) => {
        const known = m.get(id)
        if (known !== undefined) return Effect.succeed([known, m] as const)
        return Effect.map(Breaker.make(id, options.breaker, label), (b) => [b, new Map(m).set(id, b)] as const)
      })

    const execute = (principal: Principal, id: string, operation: ResourceOperation, attempts: Ref.Ref<number>, label: Ref.Ref<string>) =>
      Effect.gen(function*() {
        yield* Permissions.check(principal, `resources.${operation._tag}`, { resourceRole: options.resourceRole })
        const definition = yield* registry.load(id).pipe(
          Effect.tapErrorTag("ConnectorDisabled", () => Effect.flatMap(labelOf(id), (l) => Ref.set(label, l)))
        )
        yield* Ref.set(label, yield* labelOf(id))
        const instance = yield* instanceOf(definition)
        const op = yield* Bounds.checkOperation(instance.connector.resourceTypes, operation)
        const breaker = yield* breakerOf(id, yield* Ref.get(label))
        const attempt = Effect.scoped(Effect.gen(function*() {
          yield* Ref.update(attempts, (n) => n + 1)
          const session = yield* Session.make(id, instance.connector)
          yield* session.connect({ tenant: principal.tenant, actor: principal.token_id })
          const result = yield* session.run(op)
          yield* session.disconnect
          return result
        }))
        return yield* breaker.protect(attempt, (e) => e._tag === "ConnectorUnavailable").pipe(
          Effect.retry({ schedule: options.retry, while: isTransientResourceError })
        )
      })

    const run = (principal: Principal, id: string, operation: ResourceOperation) =>
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        const attempts = yield* Ref.make(0)
        const label = yield* Ref.make(LabelBudget.OTHER)
        const exit = yield* Effect.exit(execute(principal, id, operation, attempts, label))
        const outcome = outcomeOf(exit)
        const connectorLabel = yield* Ref.get(label)
        yield* Metric.increment(Metrics.resourceCallsOf(connectorLabel, outcome))
        const line = `connectors: ${operation._tag} ${outcome}`
        yield* (outcome === "ok" ? Effect.logInfo(line) : Effect.logWarning(line)).pipe(
          Effect.annotateLogs({
            connector: connectorLabel,
            tenant: principal.tenant,
            actor: principal.token_id,
            operation: operation._tag,
            resource_type: Bounds.TYPE_PATTERN.test(operation.type) ? operation.type : "(invalid)",
            attempts: yield* Ref.get(attempts),
            ms: (yield* Clock.currentTimeMillis) - started
          })
        )
        return yield* exit
      }).pipe(Effect.withSpan("ConnectorOperations.run", { attributes: { connector: id, operation: operation._tag } }))

    const health = Effect.flatMap(SynchronizedRef.get(breakers), (m) =>
      Effect.forEach([...m.values()], (b) => b.health))

    return ConnectorOperations.of({ run, health })
  })

/** Defaults and configuration. */
export const OptionsConfig: Config.Config<Omit<Options, "retry">> = Config.all({
  resourceRole: Permissions.resourceRoleConfig,
  breaker: Breaker.BreakerConfig
})

export const layerWith = (options: Options) => Layer.scoped(ConnectorOperations, make(options))

/** From CONNECTOR_RBAC_ROLE, CONNECTOR_BREAKER_THRESHOLD and CONNECTOR_BREAKER_COOLDOWN_S, retrying with `resourceRetry`. */
export const layer = Layer.unwrapEffect(Effect.map(OptionsConfig, (o) => layerWith({ ...o, retry: resourceRetry })))
