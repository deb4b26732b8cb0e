/** The connector file `connectors scaffold` writes (__ID__, __ENV__ and __ROOT__ are filled in). */
export default `/**
 * __ID__: a Switchboard connector in one file (written by \`switchboard connectors scaffold __ID__\`).
 * Its definition names what it reads (__ENV___DRY_RUN) and one face, Resources: \`contacts\` and \`notes\`,
 * kept per tenant in the hub's ResourceStore (last write wins). It names services only; the host (the
 * hub, the CLI, the conformance suite, its test) provides their implementations.
 *
 *   switchboard connectors register --id __ID__ --module ./__ID__.ts --class default
 *   switchboard connectors test __ID__ --action create --resource-type contacts --payload '{"name":"Ada"}'
 */
import { Config, Effect, Layer, Random } from "effect"
import { defineConnector } from "__ROOT__/services/ConnectorDefinition.js"
import {
  type ListQuery,
  type Resource,
  ResourceConnector,
  type ResourceOperations,
  type WriteResult
} from "__ROOT__/services/ConnectorResources.js"
import { ResourceStore } from "__ROOT__/services/ResourceStore.js"
import { ConnectorUnavailable, ResourceConflict, ResourceInvalid, ResourceNotFound } from "__ROOT__/src/domain/ConnectorErrors.js"
import { afterOf, pageTokenOf } from "__ROOT__/src/sdk/StoreBacked.js"

const ID = "__ID__"
const TYPES = ["contacts", "notes"]

/** __ENV___DRY_RUN=true: writes answer what they would do and change nothing. */
const DryRun = Config.boolean("__ENV___DRY_RUN").pipe(Config.withDefault(false))

/** One tenant's connection: every key it touches carries that tenant. */
const open = (tenant: string, dryRun: boolean) =>
  Effect.gen(function*() {
    const store = yield* ResourceStore
    const key = (type: string) => ({ connector: ID, tenant, type })
    // The store is away: transient, so the SDK retries it with its named policy.
    const unavailable = (e: { readonly message: string }) =>
      new ConnectorUnavailable({ message: \`\${ID}: \${e.message}\`, connector_id: ID, transient: true })
    const find = (type: string, id: string) =>
      store.get(key(type), id).pipe(
        Effect.mapError(unavailable),
        Effect.flatMap((found) =>
          found === undefined
            ? Effect.fail(new ResourceNotFound({ message: \`no \${type}/\${id}\`, resource_type: type, resource_id: id }))
            : Effect.succeed(found)
        )
      )
    const written = (verb: string, type: string, resource: Resource): WriteResult => ({
      resource,
      message: dryRun ? \`[DRY-RUN] Would \${verb} \${type}/\${resource.id}\` : \`\${verb}d \${type}/\${resource.id}\`,
      dry_run: dryRun
    })
    const freshId = Effect.map(Random.nextIntBetween(0, 2 ** 31), (n) => n.toString(36).padStart(6, "0"))

    const operations: ResourceOperations = {
      list: (type: string, query: ListQuery) =>
        Effect.gen(function*() {
          // A page token is one this connector issued (the last id of a page, encoded); anything else is refused.
          const after = query.pageToken === undefined ? undefined : afterOf(query.pageToken)
          if (query.pageToken !== undefined && after === undefined) {
            const issue = { path: "page_token", message: "not a token this connector issued" }
            return yield* new ResourceInvalid({ message: "page_token: not a token this connector issued", issues: [issue] })
          }
          const page = yield* store.list(key(type), { filter: query.filter, limit: query.limit, ...(after === undefined ? {} : { after }) })
            .pipe(Effect.mapError(unavailable))
          return page.after === undefined ? { items: page.items } : { items: page.items, next_page_token: pageTokenOf(page.after) }
        }),
      get: find,
      create: (type, payload) =>
        Effect.gen(function*() {
          const id = typeof payload["id"] === "string" ? payload["id"] : yield* freshId
          const resource: Resource = { ...payload, id }
          if (dryRun) return written("create", type, resource)
          const inserted = yield* store.put(key(type), resource, { ifAbsent: true }).pipe(Effect.mapError(unavailable))
          if (!inserted) return yield* new ResourceConflict({ message: \`\${type}/\${id} exists\`, resource_type: type, resource_id: id })
          return written("create", type, resource)
        }),
      update: (type, id, patch) =>
        Effect.gen(function*() {
          const resource: Resource = { ...(yield* find(type, id)), ...patch, id }
          if (!dryRun) yield* store.put(key(type), resource).pipe(Effect.mapError(unavailable))
          return written("update", type, resource)
        }),
      delete: (type, id) =>
        Effect.gen(function*() {
          const resource = yield* find(type, id)
          if (!dryRun) yield* store.remove(key(type), id).pipe(Effect.mapError(unavailable))
          return written("delete", type, resource)
        })
    }
    return operations
  })

/** The Resources face: reads its settings when built, then opens one connection per call and tenant. */
const resources = Layer.effect(
  ResourceConnector,
  Effect.gen(function*() {
    const dryRun = yield* DryRun
    const context = yield* Effect.context<ResourceStore>()
    return ResourceConnector.of({
      resourceTypes: TYPES,
      connect: (connection) => Effect.provide(open(connection.tenant, dryRun), context)
    })
  })
)

export default defineConnector({
  id: ID,
  description: "__ID__: contacts and notes per tenant (scaffolded; replace with your API)",
  config: {
    variables: [
      { name: "__ENV___DRY_RUN", secret: false, required: false, description: "true: writes change nothing", default: "false" }
    ],
    settings: DryRun
  },
  resources: { layer: resources }
})
`
