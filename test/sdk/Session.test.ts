/** The lifecycle wrapper: not connected before connect and after disconnect; disconnect closes the connection's scope. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Ref, Scope } from "effect"
import { ResourceConnector, type ResourceOperations } from "../../services/ConnectorResources.js"
import { ConnectorUnavailable, ResourceNotFound } from "../../src/domain/ConnectorErrors.js"
import * as Session from "../../src/sdk/Session.js"

const operations = (seen: Ref.Ref<Array<string>>): ResourceOperations => ({
  list: () => Effect.succeed({ items: [] }),
  get: (type, id) =>
    Effect.zipRight(
      Ref.update(seen, (xs) => [...xs, `get ${type}/${id}`]),
      Effect.fail(new ResourceNotFound({ message: "no", resource_type: type, resource_id: id }))
    ),
  create: (type, payload) => Effect.succeed({ resource: { id: "x", ...payload }, message: `Created ${type}/x`, dry_run: false }),
  update: (type, id) => Effect.succeed({ resource: { id }, message: `Updated ${type}/${id}`, dry_run: false }),
  delete: (type, id) => Effect.succeed({ resource: { id }, message: `Deleted ${type}/${id}`, dry_run: false })
})

/** A connector whose connections count their opening and closing. */
const counting = Effect.gen(function*() {
  const opened = yield* Ref.make(0)
  const closed = yield* Ref.make(0)
  const seen = yield* Ref.make<Array<string>>([])
  const connector = ResourceConnector.of({
    resourceTypes: ["items"],
    connect: () =>
      Effect.acquireRelease(Ref.update(opened, (n) => n + 1), () => Ref.update(closed, (n) => n + 1)).pipe(
        Effect.as(operations(seen))
      )
  })
  return { connector, opened, closed, seen }
})

describe("Session", () => {
  it.effect("before connect and after disconnect every operation is ConnectorNotConnected; disconnect closes the connection's scope", () =>
    Effect.gen(function*() {
      const c = yield* counting
      const session = yield* Session.make("test", c.connector)
      assert.strictEqual((yield* Effect.flip(session.get("items", "a")))._tag, "ConnectorNotConnected")
      yield* session.connect({ tenant: "t", actor: "a" })
      assert.strictEqual((yield* Effect.flip(session.get("items", "a")))._tag, "ResourceNotFound")
      yield* session.disconnect
      assert.deepStrictEqual([yield* Ref.get(c.opened), yield* Ref.get(c.closed)], [1, 1])
      const after = yield* Effect.flip(session.delete("items", "a"))
      assert.deepInclude(after, { _tag: "ConnectorNotConnected", connector_id: "test" })
      yield* session.disconnect
      assert.strictEqual(yield* Ref.get(c.closed), 1, "a second disconnect closes nothing more")
    }).pipe(Effect.scoped))

  it.effect("reconnecting closes the previous connection; closing the session's scope disconnects", () =>
    Effect.gen(function*() {
      const c = yield* counting
      const scope = yield* Scope.make()
      const session = yield* Scope.extend(Session.make("test", c.connector), scope)
      yield* session.connect({ tenant: "t", actor: "a" })
      yield* session.connect({ tenant: "u", actor: "a" })
      assert.deepStrictEqual([yield* Ref.get(c.opened), yield* Ref.get(c.closed)], [2, 1])
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual([yield* Ref.get(c.opened), yield* Ref.get(c.closed)], [2, 2])
    }))

  it.effect("bounds apply before the connector sees a call; a failed connect leaves the session closed", () =>
    Effect.gen(function*() {
      const c = yield* counting
      const session = yield* Session.make("test", c.connector)
      yield* session.connect({ tenant: "t", actor: "a" })
      const bad = yield* Effect.flip(session.get("other", "../x"))
      assert.deepStrictEqual(bad._tag === "ResourceInvalid" ? bad.issues.map((i) => i.path) : [], ["resource_type", "resource_id"])
      assert.deepStrictEqual(yield* Ref.get(c.seen), [])
      const failing = yield* Session.make("down", ResourceConnector.of({
        resourceTypes: "*",
        connect: () => Effect.fail(new ConnectorUnavailable({ message: "down", connector_id: "down", transient: true }))
      }))
      assert.strictEqual((yield* Effect.flip(failing.connect({ tenant: "t", actor: "a" })))._tag, "ConnectorUnavailable")
      assert.isFalse(yield* failing.connected)
    }).pipe(Effect.scoped))
})
