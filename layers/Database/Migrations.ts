/** Applies every pending migration (one transaction, serialized across instances by the migrator's lock). */
import { NodeContext } from "@effect/platform-node"
import { Migrator } from "@effect/sql"
import { PgMigrator } from "@effect/sql-pg"
import { Effect, Layer } from "effect"
import { migrations } from "../../migrations/index.js"

export const run = PgMigrator.run({ loader: Migrator.fromRecord(migrations) }).pipe(
  Effect.tap((applied) =>
    applied.length === 0
      ? Effect.logDebug("migrations: database is up to date")
      : Effect.logInfo("migrations: applied").pipe(
        Effect.annotateLogs({ migrations: applied.map(([id, name]) => `${id}_${name}`).join(", ") })
      )
  ),
  Effect.provide(NodeContext.layer)
)

export const layer = Layer.effectDiscard(run)
