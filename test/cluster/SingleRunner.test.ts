/**
 * The Cluster service as a single runner (no SWITCHBOARD_CLUSTER): singletons start on it, are listed while
 * they run, restart after a failure (counted), and stop with their scope; SWITCHBOARD_CLUSTER on the embedded
 * database is refused at start.
 */
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Exit, Layer, Metric, Ref, Schedule, Scope } from "effect"
import * as ClusterLive from "../../layers/Cluster/ClusterLive.js"
import { Cluster } from "../../services/Cluster.js"
import { DatabaseLocation } from "../../services/Database.js"
import { singletonRestarts } from "../../src/metrics/Metrics.js"
import * as TestDatabase from "../support/TestDatabase.js"

const until = <E, R>(check: Effect.Effect<boolean, E, R>) =>
  check.pipe(
    Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (ok) => ok }),
    Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error("timed out") })
  )

layer(ClusterLive.layer.pipe(Layer.provideMerge(TestDatabase.layer)), { excludeTestServices: true, timeout: 60_000 })(
  "the single runner",
  (it) => {
    it.effect("a singleton runs, is listed, restarts after a failure and stops with its scope", () =>
      Effect.gen(function*() {
        const cluster = yield* Cluster
        assert.strictEqual(cluster.mode, "single")
        assert.isNull(cluster.runner)
        const starts = yield* Ref.make(0)
        const scope = yield* Scope.make()
        const name = "connector:sandbox:single-test"
        const restarts = Metric.tagged(singletonRestarts, "singleton", name)
        const before = (yield* Metric.value(restarts)).count
        // Fails on its first start, then runs until interrupted.
        const run = Effect.flatMap(Ref.updateAndGet(starts, (n) => n + 1), (n) => (n === 1 ? Effect.fail("boom") : Effect.never))
        yield* cluster.singleton({ _tag: "Connector", connectorType: "sandbox", endpointIdentity: "single-test" }, run).pipe(
          Scope.extend(scope)
        )
        yield* until(Effect.map(Ref.get(starts), (n) => n === 2).pipe(Effect.delay(Duration.millis(10))))
        const state = yield* cluster.state
        assert.include(state.singletons, name)
        assert.strictEqual(state.shards, 30)
        assert.strictEqual((yield* Metric.value(restarts)).count - before, 1)
        yield* Scope.close(scope, Exit.void)
        yield* until(Effect.map(cluster.state, (s) => !s.singletons.includes(name)))
      }))
  }
)

layer(TestDatabase.layer, { excludeTestServices: true, timeout: 60_000 })("SWITCHBOARD_CLUSTER on the embedded database", (it) => {
  it.effect("is refused at start, naming the variable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(ClusterLive.layer).pipe(
        Effect.provideService(DatabaseLocation, { kind: "embedded", where: "/tmp/x" }),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["SWITCHBOARD_CLUSTER", "true"]]))),
        Effect.scoped
      ))
      assert.include(String(error), "SWITCHBOARD_CLUSTER=true needs DATABASE_URL")
      const bad = yield* Effect.flip(Layer.build(ClusterLive.layer).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([
          ["SWITCHBOARD_CLUSTER_LOCK_REFRESH_S", "5"],
          ["SWITCHBOARD_CLUSTER_LOCK_EXPIRY_S", "6"]
        ]))),
        Effect.scoped
      ))
      assert.include(String(bad), "at least twice")
    }))
})
