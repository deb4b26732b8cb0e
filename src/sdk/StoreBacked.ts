/**
 * Resource operations kept in the ResourceStore, for connectors whose state is their own (sandbox, mock
 * Outlook, the README's example): tenant-scoped keys, ids assigned when a create has none, keyset pages
 * behind an opaque page token, merge on update, dry-run that reads but never writes. A store outage is
 * a transient ConnectorUnavailable (retried by the SDK's policy).
 */
import { Effect, Random } from "effect"
import type { ListQuery, Resource, ResourceOperations, WriteResult } from "../../services/ConnectorResources.js"
import { ResourceStore, type StoreKey } from "../../services/ResourceStore.js"
import { ConnectorUnavailable, ResourceConflict, ResourceInvalid, ResourceNotFound } from "../domain/ConnectorErrors.js"
import type { Unavailable } from "../domain/Errors.js"
import { ID_PATTERN } from "./Bounds.js"

export interface Options {
  /** The store namespace (the connector id). */
  readonly connector: string
  readonly tenant: string
  /** Checks (and may normalise) a resource before it is written; its issues name paths. */
  readonly validate?: (type: string, resource: Resource) => Effect.Effect<Resource, ResourceInvalid>
  /** A create with a taken id fails with ResourceConflict (default) or replaces it (last wins). */
  readonly onTakenId?: "conflict" | "replace"
  /** Writes answer what they would do and change nothing. */
  readonly dryRun?: boolean
  /** Runs before every operation (latency, injected failures). */
  readonly before?: Effect.Effect<void, ConnectorUnavailable>
}

/** The page token of a page ending at `id`. */
export const pageTokenOf = (id: string): string => Buffer.from(id, "utf8").toString("base64url")

/** The last id of the page a token was issued for, or undefined for a token this connector never issued. */
export const afterOf = (token: string): string | undefined => {
  const id = Buffer.from(token, "base64url").toString("utf8")
  return ID_PATTERN.test(id) && pageTokenOf(id) === token ? id : undefined
}

/** A fresh id: 16 hex digits from the Random service (seeded in tests). */
export const freshId = Effect.map(
  Effect.all([Random.nextIntBetween(0, 0x10000 * 0x10000), Random.nextIntBetween(0, 0x10000 * 0x10000)]),
  ([a, b]) => `${a.toString(16).padStart(8, "0")}${b.toString(16).padStart(8, "0")}`
)

export const make = (options: Options): Effect.Effect<ResourceOperations, never, ResourceStore> =>
  Effect.gen(function*() {
    const store = yield* ResourceStore
    const keyOf = (type: string): StoreKey => ({ connector: options.connector, tenant: options.tenant, type })
    const unavailable = (e: Unavailable) =>
      new ConnectorUnavailable({ message: `${options.connector}: ${e.message}`, connector_id: options.connector, transient: true })
    const before = options.before ?? Effect.void
    const validate = options.validate ?? ((_: string, r: Resource) => Effect.succeed(r))
    const dryRun = options.dryRun === true
    const written = (verb: "create" | "update" | "delete", type: string, resource: Resource): WriteResult => {
      const past = { create: "Created", update: "Updated", delete: "Deleted" }[verb]
      return dryRun
        ? { resource, message: `[DRY-RUN] Would ${verb} ${type}/${resource.id}`, dry_run: true }
        : { resource, message: `${past} ${type}/${resource.id}`, dry_run: false }
    }
    const notFound = (type: string, id: string) =>
      new ResourceNotFound({ message: `no ${type}/${id} in this tenant`, resource_type: type, resource_id: id })
    const existing = (type: string, id: string) =>
      Effect.flatMap(store.get(keyOf(type), id).pipe(Effect.mapError(unavailable)), (r) =>
        r === undefined ? Effect.fail(notFound(type, id)) : Effect.succeed(r))

    const list = (type: string, query: ListQuery) =>
      Effect.gen(function*() {
        yield* before
        const after = query.pageToken === undefined ? undefined : afterOf(query.pageToken)
        if (query.pageToken !== undefined && after === undefined) {
          return yield* new ResourceInvalid({
            message: "page_token: not a token this connector issued",
            issues: [{ path: "page_token", message: "not a token this connector issued" }]
          })
        }
        const page = yield* store.list(keyOf(type), {
          filter: query.filter,
          limit: query.limit,
          ...(after === undefined ? {} : { after })
        }).pipe(Effect.mapError(unavailable))
        return page.after === undefined ? { items: page.items } : { items: page.items, next_page_token: pageTokenOf(page.after) }
      })

    const get = (type: string, id: string) => Effect.zipRight(before, existing(type, id))

    const create = (type: string, payload: Readonly<Record<string, unknown>>) =>
      Effect.gen(function*() {
        yield* before
        const given = payload["id"]
        const id = typeof given === "string" ? given : yield* freshId
        const resource = yield* validate(type, { ...payload, id })
        if (dryRun) return written("create", type, resource)
        const replace = options.onTakenId === "replace"
        const stored = yield* store.put(keyOf(type), resource, { ifAbsent: !replace }).pipe(Effect.mapError(unavailable))
        if (!stored) {
          return yield* new ResourceConflict({ message: `${type}/${id} exists already`, resource_type: type, resource_id: id })
        }
        return written("create", type, resource)
      })

    const update = (type: string, id: string, patch: Readonly<Record<string, unknown>>) =>
      Effect.gen(function*() {
        yield* before
        if (patch["id"] !== undefined && patch["id"] !== id) {
          return yield* new ResourceInvalid({ message: "patch.id: an id cannot change", issues: [{ path: "patch.id", message: "an id cannot change" }] })
        }
        const current = yield* existing(type, id)
        const resource = yield* validate(type, { ...current, ...patch, id })
        if (!dryRun) yield* store.put(keyOf(type), resource).pipe(Effect.mapError(unavailable))
        return written("update", type, resource)
      })

    const remove = (type: string, id: string) =>
      Effect.gen(function*() {
        yield* before
        const current = yield* existing(type, id)
        if (!dryRun) {
          const removed = yield* store.remove(keyOf(type), id).pipe(Effect.mapError(unavailable))
          if (!removed) return yield* notFound(type, id)
        }
        return written("delete", type, current)
      })

    return { list, get, create, update, delete: remove }
  })
