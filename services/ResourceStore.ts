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

/**
 * Bounds every store enforces on a list (the SDK bounds input first, more tightly; a store dies on a
 * query past these, as on any caller bug).
 */
export const STORE_LIMITS = {
  /** Most filter fields in one list. */
  maxFilters: 16,
  /** Longest filter field name. */
  maxFilterKeyLength: 64,
  /** Longest string filter value. */
  maxFilterValueLength: 512,
  /** Largest page. */
  maxLimit: 500
} as const

/** Why a list query is past STORE_LIMITS, or undefined when it is within them. */
export const beyondLimits = (query: { readonly filter: ResourceFilter; readonly limit: number }): string | undefined => {
  const entries = Object.entries(query.filter)
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > STORE_LIMITS.maxLimit) return "limit out of range"
  if (entries.length > STORE_LIMITS.maxFilters) return "too many filters"
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > STORE_LIMITS.maxFilterKeyLength) return "filter key length out of range"
    if (typeof value === "string" && value.length > STORE_LIMITS.maxFilterValueLength) return "filter value too long"
  }
  return undefined
}

export class ResourceStore extends Context.Tag("switchboard/ResourceStore")<ResourceStore, ResourceStoreService>() {}
