/**
 * The registry and resource operations as a caller meets them (issue 11), shared by the hub's HTTP
 * routes and the local CLI: the role check of the permissions table first (fail closed), then the
 * registry call with the caller's token id as the actor; resource operations go through
 * ConnectorOperations, which checks CONNECTOR_RBAC_ROLE and the caller's tenant itself.
 */
import { Effect, Option } from "effect"
import type { ConnectorUnknown, ResourceInvalid, RoleDenied } from "../domain/ConnectorErrors.js"
import type { Unavailable } from "../domain/Errors.js"
import * as Permissions from "../domain/Permissions.js"
import type { Principal } from "../domain/Principal.js"
import { type ConnectorHealth, ConnectorOperations, type OperationError, type OperationResult, type ResourceOperation } from "../../services/ConnectorOperations.js"
import {
  ConnectorRegistry,
  type RegisterInput,
  type RegistryEntry,
  type RegistryEvent,
  type RegistryEventKind
} from "../../services/ConnectorRegistry.js"
import * as RegistryJsonl from "./RegistryJsonl.js"

/** What an import did: one event per line that differed from the current state. */
export interface ImportReport {
  readonly lines: number
  readonly appended: ReadonlyArray<{ readonly connector_id: string; readonly kind: RegistryEventKind }>
  readonly unchanged: number
}

export interface RegistryAccessService {
  /** Current state of every connector (any ranked role). */
  readonly list: (who: Principal) => Effect.Effect<ReadonlyArray<RegistryEntry>, RoleDenied | Unavailable>
  /** Registers (or re-registers) a module (admin). */
  readonly register: (who: Principal, input: RegisterInput) => Effect.Effect<RegistryEntry, RoleDenied | ResourceInvalid | Unavailable>
  /** Enables or disables a connector (admin). */
  readonly setEnabled: (who: Principal, id: string, enabled: boolean) => Effect.Effect<RegistryEntry, RoleDenied | ConnectorUnknown | Unavailable>
  /** The audit trail of one connector (auditor). */
  readonly history: (who: Principal, id: string) => Effect.Effect<ReadonlyArray<RegistryEvent>, RoleDenied | ConnectorUnknown | Unavailable>
  /** The registry as the seed's JSONL (auditor). */
  readonly exportJsonl: (who: Principal) => Effect.Effect<string, RoleDenied | Unavailable>
  /** Reads the seed's JSONL, checked whole first (admin). */
  readonly importJsonl: (who: Principal, text: string) => Effect.Effect<ImportReport, RoleDenied | ResourceInvalid | Unavailable>
  /** Circuit-breaker state of every connector this process has called (any ranked role). */
  readonly health: (who: Principal) => Effect.Effect<ReadonlyArray<ConnectorHealth>, RoleDenied>
  /** One resource operation on a connector, for the caller's tenant (CONNECTOR_RBAC_ROLE). */
  readonly run: (who: Principal, id: string, operation: ResourceOperation) => Effect.Effect<OperationResult, OperationError>
}

const sameConfiguration = (a: RegistryEntry, b: RegistryEntry) =>
  a.module === b.module && a.class_name === b.class_name && a.auth_type === b.auth_type &&
  a.scopes.length === b.scopes.length && a.scopes.every((s, i) => s === b.scopes[i])

export const make = Effect.gen(function*() {
  const registry = yield* ConnectorRegistry
  const operations = yield* ConnectorOperations
  const builtinIds: ReadonlySet<string> = new Set(registry.builtinIds)

  type Appended = ImportReport["appended"][number]

  const importLine = (actor: string) => (entry: RegistryEntry) =>
    Effect.gen(function*(): Effect.fn.Return<Option.Option<Appended>, ResourceInvalid | Unavailable> {
      const current = yield* registry.current(entry.connector_id)
      if (Option.isSome(current) && sameConfiguration(current.value, entry)) {
        if (current.value.enabled === entry.enabled) return Option.none()
        yield* registry.setEnabled(entry.connector_id, entry.enabled, actor).pipe(
          // it was current a moment ago, and nothing removes a connector
          Effect.catchTag("ConnectorUnknown", (e) => Effect.die(e))
        )
        return Option.some<Appended>({ connector_id: entry.connector_id, kind: entry.enabled ? "enable" : "disable" })
      }
      yield* registry.register(entry, actor)
      return Option.some<Appended>({ connector_id: entry.connector_id, kind: "register" })
    })

  return {
    list: (who) => Effect.zipRight(Permissions.check(who, "connectors.list"), registry.list),
    register: (who, input) => Effect.zipRight(Permissions.check(who, "connectors.register"), registry.register(input, who.token_id)),
    setEnabled: (who, id, enabled) =>
      Effect.zipRight(
        Permissions.check(who, enabled ? "connectors.enable" : "connectors.disable"),
        registry.setEnabled(id, enabled, who.token_id)
      ),
    history: (who, id) => Effect.zipRight(Permissions.check(who, "connectors.history"), registry.history(id)),
    exportJsonl: (who) =>
      Effect.zipRight(Permissions.check(who, "connectors.export"), Effect.map(registry.list, RegistryJsonl.encode)),
    importJsonl: (who, text) =>
      Effect.gen(function*() {
        yield* Permissions.check(who, "connectors.import")
        const entries = yield* RegistryJsonl.decode(text, builtinIds)
        const done = yield* Effect.forEach(entries, importLine(who.token_id))
        const appended = done.flatMap(Option.toArray)
        return { lines: entries.length, appended, unchanged: entries.length - appended.length }
      }),
    health: (who) => Effect.zipRight(Permissions.check(who, "connectors.list"), operations.health),
    run: (who, id, operation) => operations.run(who, id, operation)
  } satisfies RegistryAccessService
})
