/**
 * Sandbox resources: SANDBOX_ERROR_RATE statistics under a seeded Random, SANDBOX_LATENCY_MS under
 * TestClock, and state that survives between separate operation services on one Postgres (two CLI calls).
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Fiber, Layer, Option, Random, TestClock } from "effect"
import * as ConnectorOperationsLive from "../../layers/ConnectorOperations/ConnectorOperationsLive.js"
import * as MemoryResourceStore from "../../layers/ResourceStore/MemoryResourceStore.js"
import * as PgResourceStore from "../../layers/ResourceStore/PgResourceStore.js"
import { ConnectorOperations } from "../../services/ConnectorOperations.js"
import SandboxDefinition from "../../src/connectors/sandbox/Definition.js"
import * as SandboxResources from "../../src/connectors/sandbox/SandboxResources.js"
import { resourceRetry } from "../../src/policies.js"
import * as Breaker from "../../src/sdk/Breaker.js"
import { principal, staticRegistry } from "../conformance/Support.js"
import * as TestDatabase from "../support/TestDatabase.js"

const connected = (options: SandboxResources.ResourceOptions) =>
  Effect.gen(function*() {
    const connector = yield* SandboxResources.make(options)
    return yield* connector.connect({ tenant: "t1", actor: "test" })
  }).pipe(Effect.provide(MemoryResourceStore.layer))

/** Failures among `n` gets of a missing resource (each answers ResourceNotFound or the injected failure). */
const injectedAmong = (rate: number, n: number, seed: string) =>
  Effect.gen(function*() {
    const ops = yield* connected({ latency: Duration.zero, errorRate: rate })
    let injected = 0
    for (let i = 0; i < n; i++) {
      const e = yield* Effect.flip(ops.get("items", "missing"))
      if (e._tag === "ConnectorUnavailable") {
        assert.isTrue(e.transient)
        injected++
      } else assert.strictEqual(e._tag, "ResourceNotFound")
    }
    return injected
  }).pipe(Effect.scoped, Effect.withRandom(Random.make(seed)))

describe("sandbox resources", () => {
  it.effect("SANDBOX_ERROR_RATE 0.3 over 2,000 calls injects within five standard deviations of the binomial mean", () =>
    Effect.gen(function*() {
      const [n, p] = [2000, 0.3]
      const mean = n * p
      const bound = 5 * Math.sqrt(n * p * (1 - p))
      for (const seed of ["sandbox-1", "sandbox-2", "sandbox-3"]) {
        const k = yield* injectedAmong(p, n, seed)
        assert.isAtMost(Math.abs(k - mean), bound, `seed ${seed}: ${k} injected, expected ${mean} ± ${bound.toFixed(1)}`)
      }
      assert.strictEqual(yield* injectedAmong(0, 200, "zero"), 0)
      assert.strictEqual(yield* injectedAmong(1, 200, "one"), 200)
    }))

  it.effect("SANDBOX_LATENCY_MS delays every operation by exactly that much Clock time", () =>
    Effect.gen(function*() {
      const ops = yield* connected({ latency: Duration.millis(250), errorRate: 0 })
      const fiber = yield* Effect.fork(ops.create("items", { id: "a", name: "x" }))
      yield* TestClock.adjust("249 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.message, "Created items/a")
    }).pipe(Effect.scoped))

  it.effect("a bad SANDBOX_ERROR_RATE or SANDBOX_LATENCY_MS fails the start naming the variable", () =>
    Effect.gen(function*() {
      for (const [name, value] of [["SANDBOX_ERROR_RATE", "1.5"], ["SANDBOX_LATENCY_MS", "-3"]] as const) {
        const e = yield* Effect.flip(
          SandboxResources.ResourcesConfig.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([[name, value]]))))
        )
        assert.include(String(e), name)
      }
      assert.deepStrictEqual(
        yield* SandboxResources.ResourcesConfig.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))),
        SandboxResources.resourceDefaults
      )
    }))

  it("the definition lists the variables of both faces, the seed's two among them", () => {
    const names = SandboxDefinition.config.variables.map((v) => v.name)
    for (const name of ["SANDBOX_LATENCY_MS", "SANDBOX_ERROR_RATE", "SANDBOX_RATE_PER_S", "SANDBOX_TRANSIENT_RATE"]) assert.include(names, name)
    assert.isDefined(SandboxDefinition.resources)
    assert.isDefined(SandboxDefinition.source)
  })
})

/** One "CLI call": its own operations service over the shared database. */
const call = <A, E>(f: (ops: typeof ConnectorOperations.Service) => Effect.Effect<A, E>) =>
  Effect.flatMap(ConnectorOperations, f).pipe(
    Effect.provide(
      ConnectorOperationsLive.layerWith({ resourceRole: "operator", breaker: Breaker.defaults, retry: resourceRetry }).pipe(
        Layer.provide(Layer.mergeAll(staticRegistry([SandboxDefinition]), PgResourceStore.layer, NodeContext.layer, NodeHttpClient.layerUndici))
      )
    ),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["SANDBOX_ERROR_RATE", "0"], ["SANDBOX_LATENCY_MS", "0"]])))
  )

layer(TestDatabase.layer, { excludeTestServices: true, timeout: 120_000 })("sandbox resources on Postgres", (it) => {
  it.effect("state survives between separate calls, each tenant sees only its own", () =>
    Effect.gen(function*() {
      const type = `items${Date.now().toString(36)}`
      yield* call((ops) => ops.run(principal("operator", "tenant-x"), "sandbox", { _tag: "create", type, payload: { id: "kept", name: "first" } }))
      const got = yield* call((ops) => ops.run(principal("operator", "tenant-x"), "sandbox", { _tag: "get", type, id: "kept" }))
      assert.deepStrictEqual(got, { _tag: "resource", resource: { id: "kept", name: "first" } })
      const other = yield* Effect.flip(call((ops) => ops.run(principal("admin", "tenant-y"), "sandbox", { _tag: "get", type, id: "kept" })))
      assert.strictEqual(other._tag, "ResourceNotFound")
    }))
})
