/** The Resources part of the conformance suite (Conformance.suite.ts). */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Ref, Scope, TestClock } from "effect"
import type { ConnectorDefinition } from "../../services/ConnectorDefinition.js"
import { ConnectorOperations, type ResourceOperation } from "../../services/ConnectorOperations.js"
import { ResourceConnector, type ResourceConnectorService } from "../../services/ConnectorResources.js"
import * as Session from "../../src/sdk/Session.js"
import { configProvider, examplesOf, hostLayer, makeSwitch, operationsLayer, principal, stringField, withFailures } from "./Support.js"

const A = "conformance-a"
const B = "conformance-b"

const tagOf = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) => Effect.map(Effect.flip(effect), (e) => e._tag)

/** Lets retry back-offs (at most about a second) and latencies pass under TestClock. */
const settled = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust("5 seconds")
    return yield* Fiber.join(fiber)
  })

export const resourcesSuite = (definition: ConnectorDefinition, env: Readonly<Record<string, string>>) => {
  const face = definition.resources!
  const provider = configProvider(env)

  /** A fresh host (store) and the built face; `open(tenant)` gives a connected session in the test's scope. */
  const withFace = <A, E>(
    f: (
      open: (tenant: string) => Effect.Effect<Session.Session, unknown>,
      connector: ResourceConnectorService,
      unconnected: Effect.Effect<Session.Session>
    ) => Effect.Effect<A, E>
  ) =>
    Effect.gen(function*() {
      const connector = Context.get(yield* Layer.build(face.layer), ResourceConnector)
      const scope = yield* Effect.scope
      const unconnected = Scope.extend(Session.make(definition.id, connector), scope)
      const open = (tenant: string) => Effect.tap(unconnected, (s) => s.connect({ tenant, actor: "conformance" }))
      return yield* f(open, connector, unconnected)
    }).pipe(Effect.scoped, Effect.provide(hostLayer), Effect.withConfigProvider(provider))

  const typesOf = (c: ResourceConnectorService) => c.resourceTypes

  describe("resources", () => {
    it.effect("lifecycle: every operation before connect and after disconnect is ConnectorNotConnected; reconnect works", () =>
      withFace((open, connector, unconnected) =>
        Effect.gen(function*() {
          const type = examplesOf(definition, typesOf(connector))[0]!.type
          const session = yield* unconnected
          const all = (s: Session.Session): ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> => [
            s.list(type, { filter: {}, limit: 10 }),
            s.get(type, "x1"),
            s.create(type, {}),
            s.update(type, "x1", {}),
            s.delete(type, "x1")
          ]
          for (const op of all(session)) assert.strictEqual(yield* tagOf(op), "ConnectorNotConnected")
          const live = yield* open(A)
          assert.isTrue(yield* live.connected)
          yield* settled(live.list(type, { filter: {}, limit: 10 }))
          yield* live.disconnect
          assert.isFalse(yield* live.connected)
          for (const op of all(live)) assert.strictEqual(yield* tagOf(op), "ConnectorNotConnected")
          yield* live.connect({ tenant: A, actor: "conformance" })
          yield* settled(live.list(type, { filter: {}, limit: 10 }))
        })))

    it.effect("CRUD round trip for each resource type: create, get, list (filter, pages), update, delete", () =>
      withFace((open, connector) =>
        Effect.gen(function*() {
          const s = yield* open(A)
          for (const example of examplesOf(definition, typesOf(connector))) {
            const { type } = example
            const created = yield* settled(s.create(type, example.create))
            assert.isFalse(created.dry_run, `${type}: a conformance run needs writes (turn dry-run off)`)
            const id = created.resource.id
            const another = yield* settled(s.create(type, example.create))
            assert.notStrictEqual(another.resource.id, id, "a create without id gets a fresh id")
            yield* settled(s.delete(type, another.resource.id))
            assert.deepStrictEqual(yield* settled(s.get(type, id)), created.resource)
            const page = yield* settled(s.list(type, { filter: {}, limit: 50 }))
            assert.include(page.items.map((r) => r.id), id)
            const field = stringField(example.create)
            if (field !== undefined) {
              const [key, value] = field
              assert.include((yield* settled(s.list(type, { filter: { [key]: value }, limit: 50 }))).items.map((r) => r.id), id)
              assert.notInclude((yield* settled(s.list(type, { filter: { [key]: `${value}-other` }, limit: 50 }))).items.map((r) => r.id), id)
            }
            const more = [yield* settled(s.create(type, { ...example.create, id: `${type}-p2` })), yield* settled(s.create(type, { ...example.create, id: `${type}-p3` }))]
            const first = yield* settled(s.list(type, { filter: {}, limit: 2 }))
            assert.strictEqual(first.items.length, 2)
            assert.isDefined(first.next_page_token)
            const rest = yield* settled(s.list(type, { filter: {}, limit: 2, pageToken: first.next_page_token! }))
            const ids = [...first.items, ...rest.items].map((r) => r.id)
            assert.sameMembers(ids, [id, ...more.map((m) => m.resource.id)])
            const updated = yield* settled(s.update(type, id, example.patch))
            assert.deepInclude(updated.resource, example.patch)
            assert.deepStrictEqual(yield* settled(s.get(type, id)), updated.resource)
            const deleted = yield* settled(s.delete(type, id))
            assert.strictEqual(deleted.resource.id, id)
            assert.strictEqual(yield* tagOf(settled(s.get(type, id))), "ResourceNotFound")
            assert.strictEqual(yield* tagOf(settled(s.delete(type, id))), "ResourceNotFound")
          }
        })))

    it.effect("error mapping: not found, a taken id (conflict or last wins), invalid payload, type, id, limit and token", () =>
      withFace((open, connector) =>
        Effect.gen(function*() {
          const s = yield* open(A)
          const types = typesOf(connector)
          const example = examplesOf(definition, types)[0]!
          const { type } = example
          const missing = yield* Effect.flip(settled(s.get(type, "absent-1")))
          assert.deepInclude(missing, { _tag: "ResourceNotFound", resource_type: type, resource_id: "absent-1" })
          assert.strictEqual(yield* tagOf(settled(s.update(type, "absent-1", example.patch))), "ResourceNotFound")
          yield* settled(s.create(type, { ...example.create, id: "taken-1" }))
          const again = yield* Effect.either(settled(s.create(type, { ...example.create, id: "taken-1" })))
          if (again._tag === "Left") assert.strictEqual(again.left._tag, "ResourceConflict")
          for (const e of examplesOf(definition, types)) {
            if (e.invalid === undefined) continue
            const bad = yield* Effect.flip(settled(s.create(e.type, e.invalid)))
            assert.strictEqual(bad._tag, "ResourceInvalid")
            assert.isTrue(bad._tag === "ResourceInvalid" && bad.issues.length > 0 && bad.issues.every((i) => i.path.startsWith("payload")))
          }
          const pathsOf = (effect: Effect.Effect<unknown, { readonly _tag: string }>) =>
            Effect.map(Effect.flip(effect), (e) => ("issues" in e ? (e.issues as ReadonlyArray<{ path: string }>).map((i) => i.path) : [e._tag]))
          if (types !== "*") assert.deepStrictEqual(yield* pathsOf(s.get("no_such_type", "x")), ["resource_type"])
          assert.deepStrictEqual(yield* pathsOf(s.get("Bad Type", "x")), ["resource_type"])
          assert.deepStrictEqual(yield* pathsOf(s.get(type, "../etc/passwd")), ["resource_id"])
          assert.deepStrictEqual(yield* pathsOf(s.list(type, { filter: {}, limit: 501 })), ["limit"])
          assert.deepStrictEqual(yield* pathsOf(s.create(type, { ...example.create, id: 7 })), ["payload.id"])
          const token = yield* Effect.flip(settled(s.list(type, { filter: {}, limit: 5, pageToken: "not-a-token!" })))
          assert.strictEqual(token._tag, "ResourceInvalid")
        })))

    it.effect("tenant isolation: another tenant neither sees, changes nor deletes a resource", () =>
      withFace((open, connector) =>
        Effect.gen(function*() {
          const [a, b] = [yield* open(A), yield* open(B)]
          for (const example of examplesOf(definition, typesOf(connector))) {
            const { type } = example
            const created = yield* settled(a.create(type, { ...example.create, id: "shared-id" }))
            assert.strictEqual(yield* tagOf(settled(b.get(type, "shared-id"))), "ResourceNotFound")
            assert.notInclude((yield* settled(b.list(type, { filter: {}, limit: 500 }))).items.map((r) => r.id), "shared-id")
            assert.strictEqual(yield* tagOf(settled(b.update(type, "shared-id", example.patch))), "ResourceNotFound")
            assert.strictEqual(yield* tagOf(settled(b.delete(type, "shared-id"))), "ResourceNotFound")
            assert.deepStrictEqual(yield* settled(a.get(type, "shared-id")), created.resource)
          }
        })))

    const viaOperations = <A, E>(f: (ops: typeof ConnectorOperations.Service) => Effect.Effect<A, E>, definitions = [definition]) =>
      Effect.flatMap(ConnectorOperations, f).pipe(Effect.provide(operationsLayer(definitions)), Effect.withConfigProvider(provider))

    it.effect("role denial through ConnectorOperations: viewer, author, ingest and actions are refused before the connector runs", () =>
      Effect.gen(function*() {
        const sw = yield* makeSwitch
        const type = examplesOf(definition, face.examples?.length ? "*" : ["items"])[0]!.type
        yield* viaOperations((ops) =>
          Effect.gen(function*() {
            const list: ResourceOperation = { _tag: "list", type, query: { filter: {}, limit: 10 } }
            for (const role of ["viewer", "author", "ingest", "actions"] as const) {
              const denied = yield* Effect.flip(settled(ops.run(principal(role), definition.id, list)))
              assert.strictEqual(denied._tag, "RoleDenied", role)
            }
            assert.strictEqual(yield* Ref.get(sw.calls), 0)
            assert.strictEqual(yield* tagOf(settled(ops.run(principal("operator"), `${definition.id}-absent`, list))), "ConnectorUnknown")
          }), [withFailures(definition, sw)])
      }))

    it.effect("breaker through ConnectorOperations: opens after consecutive failures, fails fast, half-opens after the cool-down, closes on success", () =>
      Effect.gen(function*() {
        const sw = yield* makeSwitch
        const wrapped = withFailures(definition, sw)
        yield* viaOperations((ops) =>
          Effect.gen(function*() {
            const type = (yield* Effect.map(Layer.build(face.layer).pipe(Effect.provide(hostLayer), Effect.scoped), (c) =>
              examplesOf(definition, Context.get(c, ResourceConnector).resourceTypes)[0]!.type))
            const op: ResourceOperation = { _tag: "get", type, id: "breaker-1" }
            const operator = principal("operator")
            yield* Ref.set(sw.failing, true)
            const first = yield* Effect.flip(settled(ops.run(operator, definition.id, op)))
            assert.deepInclude(first, { _tag: "ConnectorUnavailable", transient: false })
            assert.strictEqual(yield* Ref.get(sw.calls), 3, "three attempts (threshold 3), then the open breaker stops the retries")
            assert.deepInclude((yield* ops.health)[0], { connector_id: definition.id, health: "degraded", breaker: "open" })
            const fast = yield* Effect.flip(ops.run(operator, definition.id, op))
            assert.isTrue(fast._tag === "ConnectorUnavailable" && !fast.transient && (fast.retry_after_ms ?? 0) > 0)
            assert.strictEqual(yield* Ref.get(sw.calls), 3, "an open breaker never reaches the connector")
            yield* TestClock.adjust("30 seconds")
            assert.deepInclude((yield* ops.health)[0], { breaker: "half_open", health: "degraded" })
            yield* Ref.set(sw.failing, false)
            assert.strictEqual(yield* tagOf(settled(ops.run(operator, definition.id, op))), "ResourceNotFound")
            assert.deepInclude((yield* ops.health)[0], { breaker: "closed", health: "ok", consecutive_failures: 0 })
          }), [wrapped])
      }))
  })
}
