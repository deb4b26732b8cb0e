/**
 * A throwaway, migrated database for one suite: a fresh database on the local Postgres when one
 * answers on 127.0.0.1:5432 (CI has one), otherwise an in-memory embedded PGlite.
 */
import { SqlError } from "@effect/sql"
import { Effect, Layer, Redacted } from "effect"
import pg from "pg"
import { DatabaseLocation } from "../../services/Database.js"
import * as EmbeddedPostgres from "../../layers/Database/EmbeddedPostgres.js"
import * as Migrations from "../../layers/Database/Migrations.js"
import * as PgDatabase from "../../layers/Database/PgDatabase.js"

const ADMIN_URL = process.env["SWITCHBOARD_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

const admin = <A>(f: (client: pg.Client) => Promise<A>) =>
  Effect.tryPromise({
    try: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 1000 })
      await client.connect()
      try {
        return await f(client)
      } finally {
        await client.end()
      }
    },
    catch: (cause) => new SqlError.SqlError({ message: "test database admin failed", cause })
  })

/** Is the local Postgres answering? Decided once per test file. */
export const localPostgres = admin((c) => c.query("SELECT 1")).pipe(Effect.as(true), Effect.orElseSucceed(() => false))

/** A fresh database on the local server, dropped when the scope closes; its URL. */
export const freshLocalDatabase = Effect.acquireRelease(
  Effect.gen(function*() {
    const name = `sw_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
    yield* admin((c) => c.query(`CREATE DATABASE ${name}`))
    const url = new URL(ADMIN_URL)
    url.pathname = `/${name}`
    return { name, url: url.toString() }
  }),
  ({ name }) => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).pipe(Effect.orDie)
)

/** The database services without migrations. */
export const unmigrated = Layer.unwrapScoped(
  Effect.gen(function*() {
    if (yield* localPostgres) {
      const { url } = yield* freshLocalDatabase
      return PgDatabase.layer(Redacted.make(url), { ...PgDatabase.defaults, poolSize: 20 })
    }
    const target = yield* EmbeddedPostgres.serve(undefined, 12)
    return Layer.merge(
      PgDatabase.clientLayer({ host: target.host, port: target.port, username: "postgres", database: "postgres" }, {
        ...PgDatabase.defaults,
        poolSize: 8
      }),
      Layer.succeed(DatabaseLocation, { kind: "embedded", where: "memory" })
    )
  }).pipe(Effect.mapError((e) => e instanceof SqlError.SqlError ? e : new SqlError.SqlError({ message: "embedded", cause: e })))
)

/** A fresh, migrated database for one suite. */
export const layer = Layer.provideMerge(Migrations.layer, unmigrated)
