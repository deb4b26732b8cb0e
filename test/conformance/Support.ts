/**
 * What the conformance suite stands on: a registry holding just the definitions under test, a wrapper
 * that makes a Resources face fail on demand (for the breaker), host services, and principals.
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { ConfigProvider, Context, Effect, Layer, Option, Ref } from "effect"
import * as ConnectorOperationsLive from "../../layers/ConnectorOperations/ConnectorOperationsLive.js"
import * as MemoryResourceStore from "../../layers/ResourceStore/MemoryResourceStore.js"
import type { ConnectorDefinition, ResourceExample } from "../../services/ConnectorDefinition.js"
import { ConnectorRegistry, type RegistryEntry } from "../../services/ConnectorRegistry.js"
import { ResourceConnector } from "../../services/ConnectorResources.js"
import { ConnectorDisabled, ConnectorUnavailable, ConnectorUnknown } from "../../src/domain/ConnectorErrors.js"
import type { Principal } from "../../src/domain/Principal.js"
import type { RankedRole, Role } from "../../src/domain/Roles.js"
import { resourceRetry } from "../../src/policies.js"
import * as Breaker from "../../src/sdk/Breaker.js"

/** A principal of `tenant` with `role`. */
export const principal = (role: Role, tenant = "conformance-a"): Principal => ({
  token_id: `tok-${role}-${tenant}`,
  channel: "*",
  provider: "*",
  endpoint_identity: "*",
  role,
  tenant
})

const entryOf = (d: ConnectorDefinition): RegistryEntry => ({
  connector_id: d.id,
  module: `builtin:${d.id}`,
  class_name: "default",
  enabled: true,
  auth_type: "env",
  scopes: ["read", "write"],
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z"
})

/** A registry of fixed definitions, all enabled; writes are not part of what the suite checks. */
export const staticRegistry = (definitions: ReadonlyArray<ConnectorDefinition>, disabled: ReadonlyArray<string> = []) => {
  const byId = new Map(definitions.map((d) => [d.id, d]))
  const unknown = (id: string) => new ConnectorUnknown({ message: `no connector ${id}`, connector_id: id })
  const off = (id: string) => new ConnectorDisabled({ message: `connector ${id} is disabled`, connector_id: id })
  const entry = (id: string) => Option.map(Option.fromNullable(byId.get(id)), entryOf)
  return Layer.succeed(ConnectorRegistry, ConnectorRegistry.of({
    builtinIds: definitions.map((d) => d.id),
    register: () => Effect.dieMessage("static registry: register"),
    setEnabled: (id) => Effect.flatMap(Effect.succeed(entry(id)), (e) => Option.isSome(e) ? Effect.succeed(e.value) : Effect.fail(unknown(id))),
    configure: (id) => Effect.fail(unknown(id)),
    current: (id) => Effect.succeed(entry(id)),
    list: Effect.succeed(definitions.map(entryOf)),
    history: (id) => Effect.fail(unknown(id)),
    load: (id) =>
      disabled.includes(id) ? Effect.fail(off(id)) : Effect.fromNullable(byId.get(id)).pipe(Effect.mapError(() => unknown(id)))
  }))
}

/** A switch that makes every operation of a wrapped Resources face fail transiently, and counts operations. */
export interface FailureSwitch {
  readonly failing: Ref.Ref<boolean>
  readonly calls: Ref.Ref<number>
}

export const makeSwitch = Effect.all({ failing: Ref.make(false), calls: Ref.make(0) })

/** `definition` with its Resources face wrapped so that `sw.failing` makes every operation fail. */
export const withFailures = (definition: ConnectorDefinition, sw: FailureSwitch): ConnectorDefinition => {
  const face = definition.resources
  if (face === undefined) return definition
  const gate = Effect.gen(function*() {
    yield* Ref.update(sw.calls, (n) => n + 1)
    if (yield* Ref.get(sw.failing)) {
      return yield* new ConnectorUnavailable({ message: "conformance: injected failure", connector_id: definition.id, transient: true })
    }
  })
  const layer = Layer.map(face.layer, (context) => {
    const inner = Context.get(context, ResourceConnector)
    return Context.add(context, ResourceConnector, ResourceConnector.of({
      resourceTypes: inner.resourceTypes,
      connect: (connection) =>
        Effect.map(inner.connect(connection), (ops) => ({
          list: (type, query) => Effect.zipRight(gate, ops.list(type, query)),
          get: (type, id) => Effect.zipRight(gate, ops.get(type, id)),
          create: (type, payload) => Effect.zipRight(gate, ops.create(type, payload)),
          update: (type, id, patch) => Effect.zipRight(gate, ops.update(type, id, patch)),
          delete: (type, id) => Effect.zipRight(gate, ops.delete(type, id))
        }))
    }))
  })
  return { ...definition, resources: { ...face, layer } }
}

/** The settings a subject runs with, over the process environment. */
export const configProvider = (env: Readonly<Record<string, string>>) =>
  ConfigProvider.fromMap(new Map(Object.entries(env))).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))

/** What a Resources face is given: an in-memory ResourceStore, the Node file system and an HTTP client. */
export const hostLayer = Layer.mergeAll(MemoryResourceStore.layer, NodeContext.layer, NodeHttpClient.layerUndici)

/** ConnectorOperations over `definitions` with a small breaker, on a fresh host. */
export const operationsLayer = (
  definitions: ReadonlyArray<ConnectorDefinition>,
  breaker: Breaker.Options = { threshold: 3, cooldown: Breaker.defaults.cooldown },
  options: { readonly resourceRole?: RankedRole; readonly disabled?: ReadonlyArray<string> } = {}
) =>
  ConnectorOperationsLive.layerWith({ resourceRole: options.resourceRole ?? "operator", breaker, retry: resourceRetry }).pipe(
    Layer.provide(Layer.merge(staticRegistry(definitions, options.disabled), hostLayer))
  )

/** The examples to exercise: the declared ones, else for `"*"` two generic types, else a generic one per type. */
export const examplesOf = (definition: ConnectorDefinition, types: ReadonlyArray<string> | "*"): ReadonlyArray<ResourceExample> => {
  const declared = definition.resources?.examples ?? []
  const generic = (type: string): ResourceExample => ({ type, create: { name: "conformance", kind: "a" }, patch: { name: "changed" } })
  if (types === "*") return declared.length > 0 ? declared : [generic("items"), generic("notes")]
  return types.map((type) => declared.find((e) => e.type === type) ?? generic(type))
}

/** The first top-level string field of a payload, to filter on. */
export const stringField = (payload: Readonly<Record<string, unknown>>): readonly [string, string] | undefined => {
  const found = Object.entries(payload).find(([k, v]) => k !== "id" && typeof v === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
  return found === undefined ? undefined : [found[0], found[1] as string]
}
