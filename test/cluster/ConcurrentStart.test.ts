/**
 * Several hubs starting at once on a fresh database: @effect/cluster's SQL storages create their tables on a
 * first start with `CREATE TABLE IF NOT EXISTS`, which races between connections (all but one failed on
 * `pg_type_typname_nsp_index` before ClusterLive serialized the start). Four runners built at the same instant
 * in one process all start.
 */
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Redacted } from "effect"
import * as ClusterLive from "../../layers/Cluster/ClusterLive.js"
import * as RunnerPorts from "../support/RunnerPorts.js"
import * as TestDatabase from "../support/TestDatabase.js"

describe("cluster runners starting together", () => {
  it.live("four runners built at once on a fresh database all start", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* TestDatabase.freshLocalDatabase
      const pg = PgClient.layer({ url: Redacted.make(url), maxConnections: 8 })
      const ports = RunnerPorts.range(47350, 47399)
      const settings = yield* Effect.forEach([1, 2, 3, 4], () =>
        Effect.map(Effect.orDie(RunnerPorts.take(ports)), (port): ClusterLive.ClusterSettings => ({
          enabled: true,
          host: "127.0.0.1",
          port,
          lockRefresh: Duration.seconds(1),
          lockExpiry: Duration.seconds(4)
        })))
      const exits = yield* Effect.forEach(settings, (s) =>
        Effect.exit(Effect.scoped(Layer.build(ClusterLive.clusterSharding(s).pipe(Layer.provide(pg))))), { concurrency: "unbounded" })
      assert.deepStrictEqual(exits.map((e) => (Exit.isSuccess(e) ? "started" : String(Exit.isFailure(e) ? e.cause : e))), [
        "started",
        "started",
        "started",
        "started"
      ])
    })), 60_000)
})
