/**
 * ConnectorOperationsLive: retries only what is transient (with the named policy), the role and the
 * registry before the connector runs, a connection per call for the caller's tenant, one log line per
 * call without payload values, and the call counter.
 */
import { assert, describe, it } from "@effect/vitest"
import { Config, Duration, Effect, Fiber, Layer, Logger, Metric, Ref, TestClock } from "effect"
import { defineConnector } from "../../services/ConnectorDefinition.js"
import { ConnectorOperations, type ResourceOperation } from "../../services/ConnectorOperations.js"
import { type ConnectionContext, ResourceConnector } from "../../services/ConnectorResources.js"
import { ConnectorUnavailable, type ResourceError, ResourceInvalid, ResourceNotFound } from "../../src/domain/ConnectorErrors.js"
import * as Metrics from "../../src/sdk/Metrics.js"
import { operationsLayer, principal } from "../conformance/Support.js"

/** A connector whose n-th `get` answers `script(n)`; it records connections and disconnections. */
const scripted = (id: string, script: (attempt: number) => ResourceError | undefined) =>
  Effect.gen(function*() {
    const attempts = yield* Ref.make(0)
    const contexts = yield* Ref.make<Array<ConnectionContext>>([])
    const closed = yield* Ref.make(0)
    const definition = defineConnector({
      id,
      description: "scripted",
      config: { variables: [], settings: Config.succeed(null) },
      resources: {
        layer: Layer.succeed(ResourceConnector, ResourceConnector.of({
          resourceTypes: ["items"],
          connect: (context) =>
            Effect.gen(function*() {
              yield* Ref.update(contexts, (xs) => [...xs, context])
              yield* Effect.addFinalizer(() => Ref.update(closed, (n) => n + 1))
              return {
                list: () => Effect.succeed({ items: [] }),
                get: (_type, rid) =>
                  Effect.flatMap(Ref.getAndUpdate(attempts, (n) => n + 1), (n) => {
                    const e = script(n)
                    return e === undefined ? Effect.succeed({ id: rid, n }) : Effect.fail(e)
                  }),
                create: (_type, payload) => Effect.succeed({ resource: { id: "c1", ...payload }, message: "Created items/c1", dry_run: false }),
                update: () => Effect.dieMessage("unused"),
                delete: () => Effect.dieMessage("unused")
              }
            })
        }))
      }
    })
    return { definition, attempts, contexts, closed }
  })

const transient = new ConnectorUnavailable({ message: "blip", connector_id: "x", transient: true })
const get: ResourceOperation = { _tag: "get", type: "items", id: "r1" }
/** A breaker that stays closed through these tests (its own behaviour is Breaker.test.ts). */
const wide = { threshold: 100, cooldown: Duration.seconds(30) }

/** Runs `run` with TestClock advanced past every retry delay. */
const settled = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust("5 seconds")
    return yield* Fiber.join(fiber)
  })

const withOps = <A, E>(
  definitions: Parameters<typeof operationsLayer>[0],
  f: (ops: typeof ConnectorOperations.Service) => Effect.Effect<A, E>,
  options: Parameters<typeof operationsLayer>[2] = {}
) => Effect.flatMap(ConnectorOperations, f).pipe(
  Effect.provide(operationsLayer(definitions, wide, options))
)

describe("ConnectorOperationsLive", () => {
  it.effect("transient failures are retried (3 more attempts at most); each attempt is its own connection, closed after", () =>
    Effect.gen(function*() {
      const s = yield* scripted("retry-ok", (n) => (n < 2 ? transient : undefined))
      yield* withOps([s.definition], (ops) =>
        Effect.gen(function*() {
          const result = yield* settled(ops.run(principal("operator", "acme"), "retry-ok", get))
          assert.deepStrictEqual(result, { _tag: "resource", resource: { id: "r1", n: 2 } })
          assert.strictEqual(yield* Ref.get(s.attempts), 3)
          assert.strictEqual(yield* Ref.get(s.closed), 3)
          assert.deepStrictEqual((yield* Ref.get(s.contexts)).map((c) => c.tenant), ["acme", "acme", "acme"])
          assert.strictEqual((yield* Ref.get(s.contexts))[0]?.actor, "tok-operator-acme")
        }))
      const always = yield* scripted("retry-gives-up", () => transient)
      yield* withOps([always.definition], (ops) =>
        Effect.gen(function*() {
          const e = yield* Effect.flip(settled(ops.run(principal("operator"), "retry-gives-up", get)))
          assert.deepInclude(e, { _tag: "ConnectorUnavailable", transient: true })
          assert.strictEqual(yield* Ref.get(always.attempts), 4)
        }))
    }))

  for (const [name, error] of [
    ["not found", new ResourceNotFound({ message: "no", resource_type: "items", resource_id: "r1" })],
    ["invalid", new ResourceInvalid({ message: "bad", issues: [{ path: "payload", message: "bad" }] })],
    ["unavailable, not transient", new ConnectorUnavailable({ message: "down", connector_id: "x", transient: false })]
  ] as const) {
    it.effect(`a ${name} answer is never retried`, () =>
      Effect.gen(function*() {
        const s = yield* scripted("no-retry", () => error)
        yield* withOps([s.definition], (ops) =>
          Effect.gen(function*() {
            assert.strictEqual((yield* Effect.flip(settled(ops.run(principal("admin"), "no-retry", get))))._tag, error._tag)
            assert.strictEqual(yield* Ref.get(s.attempts), 1)
          }))
      }))
  }

  it.effect("the role is checked first (CONNECTOR_RBAC_ROLE); a disabled or unknown connector never runs", () =>
    Effect.gen(function*() {
      const s = yield* scripted("guarded", () => undefined)
      yield* withOps([s.definition], (ops) =>
        Effect.gen(function*() {
          const denied = yield* Effect.flip(ops.run(principal("operator"), "guarded", get))
          assert.deepInclude(denied, { _tag: "RoleDenied", actual: "operator" })
          assert.strictEqual((yield* ops.run(principal("admin"), "guarded", get))._tag, "resource")
        }), { resourceRole: "admin" })
      yield* withOps([s.definition], (ops) =>
        Effect.gen(function*() {
          assert.strictEqual((yield* Effect.flip(ops.run(principal("admin"), "guarded", get)))._tag, "ConnectorDisabled")
          assert.strictEqual((yield* Effect.flip(ops.run(principal("admin"), "nope", get)))._tag, "ConnectorUnknown")
        }), { disabled: ["guarded"] })
      assert.strictEqual(yield* Ref.get(s.attempts), 1)
    }))

  it.effect("a face whose settings are missing fails with ConnectorLoadFailed naming the variable", () =>
    Effect.gen(function*() {
      const needsToken = defineConnector({
        id: "needs-token",
        description: "reads a token",
        config: { variables: [], settings: Config.succeed(null) },
        resources: {
          layer: Layer.effect(ResourceConnector, Effect.flatMap(Config.string("NEEDS_TOKEN_EXAMPLE"), () => Effect.never))
        }
      })
      yield* withOps([needsToken], (ops) =>
        Effect.gen(function*() {
          const e = yield* Effect.flip(ops.run(principal("operator"), "needs-token", get))
          assert.strictEqual(e._tag, "ConnectorLoadFailed")
          assert.include(e.message, "NEEDS_TOKEN_EXAMPLE")
        }))
    }))

  it.effect("one log line per call, naming connector, tenant, operation and outcome, never a payload value; calls are counted", () =>
    Effect.gen(function*() {
      const s = yield* scripted("logged", () => undefined)
      const lines: Array<{ message: string; annotations: string }> = []
      const logger = Logger.make(({ annotations, message }) => {
        lines.push({ message: String(message), annotations: JSON.stringify([...annotations]) })
      })
      const counter = Metrics.resourceCallsOf("logged", "ok")
      const before = (yield* Metric.value(counter)).count
      yield* withOps([s.definition], (ops) =>
        ops.run(principal("operator", "acme"), "logged", { _tag: "create", type: "items", payload: { secret_field: "PAYLOAD-VALUE-42" } })
      ).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      const calls = lines.filter((l) => l.message.startsWith("connectors: "))
      assert.strictEqual(calls.length, 1)
      assert.strictEqual(calls[0]?.message, "connectors: create ok")
      for (const part of ["\"connector\",\"logged\"", "\"tenant\",\"acme\"", "\"operation\",\"create\""]) assert.include(calls[0]?.annotations, part)
      assert.notInclude(JSON.stringify(lines), "PAYLOAD-VALUE-42")
      assert.strictEqual((yield* Metric.value(counter)).count, before + 1)
    }))
})
