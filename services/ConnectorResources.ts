/**
 * The Resources face of an SDK connector (issue 11; the seed's seven methods): `connect`, then list /
 * get / create / update / delete over named resource types, then `disconnect`. A connection is a
 * Scope: closing it (disconnect) releases whatever connect acquired. Every connection belongs to one
 * tenant; nothing a connection returns may come from another tenant.
 *
 * Connector authors implement `ResourceConnector`; the SDK (src/sdk) wraps it with the lifecycle
 * check (operations before connect → ConnectorNotConnected), role checks, retries and the breaker.
 */
import { Context, type Effect, Schema, type Scope } from "effect"
import type { ConnectorUnavailable, ResourceError } from "../src/domain/ConnectorErrors.js"

/** A stored resource: a JSON object with a string `id`. */
export const Resource = Schema.Struct(
  { id: Schema.String },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations({ identifier: "Resource" })
export type Resource = typeof Resource.Type

/** Equality filters on top-level fields (`folder=inbox`), all of which must match. */
export type ResourceFilter = Readonly<Record<string, string | number | boolean | null>>

export interface ListQuery {
  readonly filter: ResourceFilter
  /** Page size, 1–500 (the SDK defaults it to 50 and bounds it before the connector sees it). */
  readonly limit: number
  /** Opaque token from a previous page's `next_page_token`. */
  readonly pageToken?: string
}

export interface ResourcePage {
  readonly items: ReadonlyArray<Resource>
  /** Present when there is a next page. */
  readonly next_page_token?: string
}

/** The typed success of a write (the seed's ConnectorResult(success=true)). */
export interface WriteResult {
  /** The resource as stored (or, in dry-run, as it would be). */
  readonly resource: Resource
  /** Human-readable outcome, e.g. `[DRY-RUN] Would create messages/<id>`. */
  readonly message: string
  /** True when nothing was changed because the connector runs in dry-run mode. */
  readonly dry_run: boolean
}

/** Who a connection is for. */
export interface ConnectionContext {
  readonly tenant: string
  /** Token id of the caller (or `system`, `local-admin`), for audit lines. */
  readonly actor: string
}

/** The operations of one open connection. */
export interface ResourceOperations {
  readonly list: (type: string, query: ListQuery) => Effect.Effect<ResourcePage, ResourceError>
  readonly get: (type: string, id: string) => Effect.Effect<Resource, ResourceError>
  /** `payload.id` is optional: the connector assigns one when it is absent. */
  readonly create: (type: string, payload: Readonly<Record<string, unknown>>) => Effect.Effect<WriteResult, ResourceError>
  /** Merges `patch` into the stored resource (its `id` cannot change). */
  readonly update: (type: string, id: string, patch: Readonly<Record<string, unknown>>) => Effect.Effect<WriteResult, ResourceError>
  readonly delete: (type: string, id: string) => Effect.Effect<WriteResult, ResourceError>
}

/** What a connector author provides for the Resources face. */
export interface ResourceConnectorService {
  /** Resource types it serves; `"*"` when any type name is accepted (sandbox). */
  readonly resourceTypes: ReadonlyArray<string> | "*"
  /** Opens a connection for one tenant; everything acquired is released when the scope closes. */
  readonly connect: (context: ConnectionContext) => Effect.Effect<ResourceOperations, ConnectorUnavailable, Scope.Scope>
}

export class ResourceConnector extends Context.Tag("switchboard/ResourceConnector")<
  ResourceConnector,
  ResourceConnectorService
>() {}
