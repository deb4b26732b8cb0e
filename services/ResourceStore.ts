/**
 * Where resource connectors keep their state (issue 11): sandbox resources and mock Outlook's
 * messages, folders and contacts. Keyed by (connector, tenant, resource type, id), last write wins,
 * so state survives between separate CLI calls and hub restarts. Every call names its tenant; there
 * is no call that reads across tenants.
 */
import { Context, type Effect } from "effect"
import type { Unavailable } from "../src/domain/Errors.js"
import type { Resource, ResourceFilter } from "./ConnectorResources.js"

export interface StoreKey {
  readonly connector: string
  readonly tenant: string
  readonly type: string
}

export interface StorePage {
  readonly items: ReadonlyArray<Resource>
  /** The last id of this page when more may follow (ids are returned in ascending order). */
  readonly after?: string
}

export interface ResourceStoreService {
  readonly get: (key: StoreKey, id: string) => Effect.Effect<Resource | undefined, Unavailable>
  /** Inserts or replaces (last wins); `ifAbsent` makes it fail-free insert-only, answering false when the id exists. */
  readonly put: (key: StoreKey, resource: Resource, options?: { readonly ifAbsent?: boolean }) => Effect.Effect<boolean, Unavailable>
  /** Answers whether a resource was removed. */
  readonly remove: (key: StoreKey, id: string) => Effect.Effect<boolean, Unavailable>
  /** Up to `limit` resources matching every filter field, ids ascending, after `after`. */
  readonly list: (
    key: StoreKey,
    query: { readonly filter: ResourceFilter; readonly limit: number; readonly after?: string }
  ) => Effect.Effect<StorePage, Unavailable>
}

export class ResourceStore extends Context.Tag("switchboard/ResourceStore")<ResourceStore, ResourceStoreService>() {}
