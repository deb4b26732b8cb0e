/**
 * A throwaway, migrated database for one suite: a fresh database on the local Postgres when one
 * answers on 127.0.0.1:5432 (CI has one), otherwise an in-memory embedded PGlite. With CI=true there
 * is no fallback: a suite that cannot reach the local Postgres fails (see also GlobalSetup.ts).
 */
import { SqlError } from "@effect/sql"
import { Effect, Layer } from "effect"
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

export interface Target {
  readonly host: string
  readonly port: number
  readonly database: string
  readonly kind: "postgres" | "embedded"
}

const onLocalServer = <E, R>(database: Effect.Effect<{ readonly name: string }, E, R>) =>
  Effect.map(database, ({ name }): Target => {
    const url = new URL(ADMIN_URL)
    return { host: url.hostname, port: Number(url.port || 5432), database: name, kind: "postgres" }
  })

/**
 * Where a fresh test database can be reached: the local server if it answers, else embedded PGlite;
 * with CI=true always the local server (a suite fails when it does not answer, never falls back).
 */
export const freshTarget = Effect.gen(function*() {
  if (process.env["CI"] === "true") {
    return yield* onLocalServer(freshLocalDatabase.pipe(
      Effect.mapError((e) => new SqlError.SqlError({ message: `CI must run on a real Postgres, but ${ADMIN_URL} did not answer`, cause: e.cause }))
    ))
  }
  if (yield* localPostgres) return yield* onLocalServer(freshLocalDatabase)
  const served = yield* EmbeddedPostgres.serve(undefined, 12).pipe(
    Effect.mapError((e) => new SqlError.SqlError({ message: "embedded test database", cause: e }))
  )
  return { host: served.host, port: served.port, database: "postgres", kind: "embedded" } satisfies Target
})

/** Database services for a target (optionally reached through another port, e.g. a proxy). */
export const servicesFor = (target: Target, port: number = target.port) =>
  Layer.merge(
    PgDatabase.clientLayer({ host: target.host, port, username: "postgres", database: target.database }, {
      ...PgDatabase.defaults,
      poolSize: target.kind === "postgres" ? 20 : 8
    }),
    Layer.succeed(DatabaseLocation, { kind: target.kind, where: `test database ${target.database}` })
  )

/** The database services of a fresh database, without migrations. */
export const unmigrated = Layer.unwrapScoped(Effect.map(freshTarget, (target) => servicesFor(target)))

/** A fresh, migrated database for one suite. */
export const layer = Layer.provideMerge(Migrations.layer, unmigrated)
