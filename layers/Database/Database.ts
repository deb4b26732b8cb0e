/** Chooses the database from configuration: DATABASE_URL → that Postgres; unset or empty → embedded PGlite. */
import { Config, Effect, Layer, Option, Redacted } from "effect"
import * as EmbeddedPostgres from "./EmbeddedPostgres.js"
import * as PgDatabase from "./PgDatabase.js"

export const DatabaseConfig = Config.all({
  // `DATABASE_URL=` (empty) means unset, as a shell user means it: the embedded database.
  url: Config.option(Config.redacted("DATABASE_URL")).pipe(
    Config.map(Option.filter((u) => Redacted.value(u).trim() !== ""))
  ),
  dataDir: Config.string("SWITCHBOARD_DATA_DIR").pipe(Config.withDefault(".switchboard")),
  poolSize: Config.integer("SWITCHBOARD_DB_POOL_SIZE").pipe(Config.withDefault(16))
})

export const layer = Layer.unwrapEffect(
  Effect.map(DatabaseConfig, ({ dataDir, poolSize, url }) =>
    Option.match(url, {
      onNone: () => EmbeddedPostgres.layer({ dataDir, poolSize: Math.min(poolSize, 8) }),
      onSome: (u) => PgDatabase.layer(u, { ...PgDatabase.defaults, poolSize })
    }))
)
