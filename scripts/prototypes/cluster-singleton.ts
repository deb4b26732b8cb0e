/**
 * Prototype for issue 15 (not part of the product): one @effect/cluster runner per process on the local
 * Postgres (SqlRunnerStorage / SqlMessageStorage via NodeClusterSocket, storage "sql"), each registering
 * the same Singleton, which logs once a second where it runs. Start two or three with different ports,
 * `kill -9` the one that logs, and watch another take over.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/sb_cluster_proto PORT=7801 npx tsx scripts/prototypes/cluster-singleton.ts
 */
import { RunnerAddress, Singleton } from "@effect/cluster"
import { NodeClusterSocket, NodeRuntime } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Clock, Config, Duration, Effect, Layer, Option, Schedule } from "effect"

const port = Number(process.env["PORT"] ?? 7801)

const ticking = Effect.gen(function*() {
  yield* Effect.logInfo(`singleton: started on runner :${port}`)
  yield* Effect.repeat(
    Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.logInfo(`singleton: tick on :${port} at ${now}`)),
    Schedule.spaced("1 second")
  )
})

const Pg = Layer.unwrapEffect(Effect.map(Config.redacted("DATABASE_URL"), (url) => PgClient.layer({ url })))

const Cluster = NodeClusterSocket.layer({
  storage: "sql",
  shardingConfig: {
    runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", port)),
    shardLockRefreshInterval: Duration.seconds(Number(process.env["LOCK_REFRESH_S"] ?? 2)),
    shardLockExpiration: Duration.seconds(Number(process.env["LOCK_EXPIRY_S"] ?? 6))
  }
})

const Main = Singleton.make("proto-ticker", ticking).pipe(Layer.provide(Cluster), Layer.provide(Pg))

NodeRuntime.runMain(Layer.launch(Main))
