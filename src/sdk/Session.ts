/**
 * The lifecycle around a ResourceConnector (issue 11): a session is closed until `connect`, which opens
 * the connection in a scope of its own; `disconnect` closes that scope (releasing whatever connect
 * acquired). Operations on a closed session fail with ConnectorNotConnected; every operation is
 * bounded (Bounds.ts) before the connector sees it. Closing the session's own scope disconnects too.
 */
import { Effect, Exit, Option, Scope, SynchronizedRef } from "effect"
import type {
  ConnectionContext,
  ResourceConnectorService,
  ResourceOperations
} from "../../services/ConnectorResources.js"
import type { OperationResult, ResourceOperation } from "../../services/ConnectorOperations.js"
import { type ConnectorUnavailable, ConnectorNotConnected, type ResourceError } from "../domain/ConnectorErrors.js"
import * as Bounds from "./Bounds.js"

export interface Session extends ResourceOperations {
  /** Opens a connection for the context's tenant (a session already connected is reconnected). */
  readonly connect: (context: ConnectionContext) => Effect.Effect<void, ConnectorUnavailable>
  /** Closes the connection's scope; a closed session stays closed (idempotent). */
  readonly disconnect: Effect.Effect<void>
  /** Whether a connection is open. */
  readonly connected: Effect.Effect<boolean>
  /** One operation of the ConnectorOperations shape. */
  readonly run: (operation: ResourceOperation) => Effect.Effect<OperationResult, ResourceError>
}

interface Open {
  readonly scope: Scope.CloseableScope
  readonly operations: ResourceOperations
}

export const make = (connectorId: string, connector: ResourceConnectorService): Effect.Effect<Session, never, Scope.Scope> =>
  Effect.gen(function*() {
    const state = yield* SynchronizedRef.make(Option.none<Open>())
    const close = SynchronizedRef.updateEffect(state, (open) =>
      Option.match(open, {
        onNone: () => Effect.succeed(Option.none<Open>()),
        onSome: (o) => Effect.as(Scope.close(o.scope, Exit.void), Option.none<Open>())
      }))
    yield* Effect.addFinalizer(() => close)

    const connect = (context: ConnectionContext) =>
      SynchronizedRef.updateEffect(state, (open) =>
        Effect.gen(function*() {
          if (Option.isSome(open)) yield* Scope.close(open.value.scope, Exit.void)
          const scope = yield* Scope.make()
          const operations = yield* connector.connect(context).pipe(
            Scope.extend(scope),
            Effect.tapError(() => Scope.close(scope, Exit.void))
          )
          return Option.some<Open>({ scope, operations })
        }))

    const notConnected = new ConnectorNotConnected({
      message: `connector ${connectorId}: call connect before any resource operation`,
      connector_id: connectorId
    })
    const current = Effect.flatMap(SynchronizedRef.get(state), (open) =>
      Option.match(open, { onNone: () => Effect.fail(notConnected), onSome: (o) => Effect.succeed(o.operations) }))

    const run = (operation: ResourceOperation): Effect.Effect<OperationResult, ResourceError> =>
      Effect.gen(function*() {
        const ops = yield* current
        const op = yield* Bounds.checkOperation(connector.resourceTypes, operation)
        switch (op._tag) {
          case "list":
            return { _tag: "page", page: yield* ops.list(op.type, op.query) } as const
          case "get":
            return { _tag: "resource", resource: yield* ops.get(op.type, op.id) } as const
          case "create":
            return { _tag: "write", result: yield* ops.create(op.type, op.payload) } as const
          case "update":
            return { _tag: "write", result: yield* ops.update(op.type, op.id, op.patch) } as const
          case "delete":
            return { _tag: "write", result: yield* ops.delete(op.type, op.id) } as const
        }
      })

    const expect = <T extends OperationResult["_tag"]>(tag: T) => (r: OperationResult) =>
      r._tag === tag ? Effect.succeed(r as Extract<OperationResult, { _tag: T }>) : Effect.dieMessage(`expected ${tag}`)

    return {
      connect,
      disconnect: close,
      connected: Effect.map(SynchronizedRef.get(state), Option.isSome),
      run,
      list: (type, query) => run({ _tag: "list", type, query }).pipe(Effect.flatMap(expect("page")), Effect.map((r) => r.page)),
      get: (type, id) => run({ _tag: "get", type, id }).pipe(Effect.flatMap(expect("resource")), Effect.map((r) => r.resource)),
      create: (type, payload) => run({ _tag: "create", type, payload }).pipe(Effect.flatMap(expect("write")), Effect.map((r) => r.result)),
      update: (type, id, patch) =>
        run({ _tag: "update", type, id, patch }).pipe(Effect.flatMap(expect("write")), Effect.map((r) => r.result)),
      delete: (type, id) => run({ _tag: "delete", type, id }).pipe(Effect.flatMap(expect("write")), Effect.map((r) => r.result))
    } satisfies Session
  })
