/**
 * Resource operations on registered connectors as a caller meets them (issue 11): the role check
 * (CONNECTOR_RBAC_ROLE, default operator, fail closed), the caller's tenant, the registry (unknown,
 * disabled), connect → operation → disconnect, the named retry policy for transient failures, and a
 * circuit breaker per connector instance. The CLI (local or over the hub's API), the hub's HTTP routes
 * and the conformance suite all go through this one service.
 */
import { Context, type Effect } from "effect"
import type {
  ConnectorDisabled,
  ConnectorLoadFailed,
  ConnectorUnknown,
  ResourceError,
  RoleDenied
} from "../src/domain/ConnectorErrors.js"
import type { Unavailable } from "../src/domain/Errors.js"
import type { Principal } from "../src/domain/Principal.js"
import type { ListQuery, Resource, ResourcePage, WriteResult } from "./ConnectorResources.js"

export type ResourceOperation =
  | { readonly _tag: "list"; readonly type: string; readonly query: ListQuery }
  | { readonly _tag: "get"; readonly type: string; readonly id: string }
  | { readonly _tag: "create"; readonly type: string; readonly payload: Readonly<Record<string, unknown>> }
  | { readonly _tag: "update"; readonly type: string; readonly id: string; readonly patch: Readonly<Record<string, unknown>> }
  | { readonly _tag: "delete"; readonly type: string; readonly id: string }

export type OperationResult =
  | { readonly _tag: "page"; readonly page: ResourcePage }
  | { readonly _tag: "resource"; readonly resource: Resource }
  | { readonly _tag: "write"; readonly result: WriteResult }

export type BreakerState = "closed" | "open" | "half_open"

export interface ConnectorHealth {
  readonly connector_id: string
  /** ok while the breaker is closed, degraded while it is open or half-open. */
  readonly health: "ok" | "degraded"
  readonly breaker: BreakerState
  readonly consecutive_failures: number
}

export type OperationError =
  | ResourceError
  | RoleDenied
  | ConnectorUnknown
  | ConnectorDisabled
  | ConnectorLoadFailed
  | Unavailable

export interface ConnectorOperationsService {
  readonly run: (principal: Principal, connectorId: string, operation: ResourceOperation) => Effect.Effect<OperationResult, OperationError>
  /** Breaker state of every connector instance this process has used. */
  readonly health: Effect.Effect<ReadonlyArray<ConnectorHealth>>
}

export class ConnectorOperations extends Context.Tag("switchboard/ConnectorOperations")<
  ConnectorOperations,
  ConnectorOperationsService
>() {}
