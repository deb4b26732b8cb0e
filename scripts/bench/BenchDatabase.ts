/**
 * The bench's database: a fresh database on the local Postgres, dropped at the end; when that server
 * does not answer, an in-memory embedded PGlite served on a loopback port (with a warning: PGlite
 * runs every query on one backend session, so its numbers say little about a real Postgres).
 */
import { Console, Data, Effect } from "effect"
import pg from "pg"
import * as EmbeddedPostgres from "../../layers/Database/EmbeddedPostgres.js"

export class BenchDatabaseError extends Data.TaggedError("BenchDatabaseError")<{
  readonly step: string
  readonly cause: unknown
}> {
  override get message() {
    return `${this.step}: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

export interface BenchDatabase {
  /** What the hub and the baseline connect to (DATABASE_URL). */
  readonly url: string
  /** "postgres" (the local server) or "embedded" (the PGlite fallback). */
  readonly kind: "postgres" | "embedded"
  /** Where it lives, without credentials. */
  readonly where: string
}

const withClient = <A>(url: string, step: string, f: (client: pg.Client) => Promise<A>) =>
  Effect.tryPromise({
    try: async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
      await client.connect()
      try {
        return await f(client)
      } finally {
        await client.end()
      }
    },
    catch: (cause) => new BenchDatabaseError({ step, cause })
  })

const withDatabase = (adminUrl: string, name: string) => {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url
}

const localDatabase = (adminUrl: string, prefix: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
      yield* withClient(adminUrl, "create the bench database", (c) => c.query(`CREATE DATABASE ${name}`))
      const url = withDatabase(adminUrl, name)
      const where = `${url.host}/${name}`
      yield* Console.log(`database: fresh database ${where} on the local Postgres`)
      return { name, db: { url: url.toString(), kind: "postgres", where } satisfies BenchDatabase }
    }),
    ({ name }) =>
      withClient(adminUrl, "drop the bench database", (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).pipe(
        Effect.tapError((e) => Console.error(`could not drop bench database ${name}: ${e.message}`)),
        Effect.ignore
      )
  ).pipe(Effect.map(({ db }) => db))

const embeddedDatabase = (reason: string) =>
  Effect.gen(function*() {
    yield* Console.error(
      [
        `WARNING: the local Postgres does not answer (${reason}).`,
        "Falling back to an in-memory embedded PGlite served on a loopback port. PGlite runs every query",
        "on ONE backend session, one at a time: the numbers below compare the servers on that, not on Postgres."
      ].join("\n")
    )
    const target = yield* EmbeddedPostgres.serve(undefined, 48).pipe(
      Effect.mapError((e) => new BenchDatabaseError({ step: `embedded database: ${e.step}`, cause: e.cause }))
    )
    const where = `${target.host}:${target.port} (embedded PGlite, memory)`
    return { url: `postgres://postgres@${target.host}:${target.port}/postgres`, kind: "embedded", where } satisfies BenchDatabase
  })

/** A database for the whole run (named `<prefix>_…`), released (dropped or closed) when the scope closes. */
export const acquire = (adminUrl: string, prefix = "sw_bench") =>
  withClient(adminUrl, "connect to the local Postgres", (c) => c.query("SELECT 1")).pipe(
    Effect.matchEffect({
      onFailure: (e) => embeddedDatabase(e.message),
      onSuccess: () => localDatabase(adminUrl, prefix)
    })
  )

/** Empties the inbox so every phase starts from the same table. */
export const truncateInbox = (db: BenchDatabase) =>
  withClient(db.url, "truncate message_inbox", (c) => c.query("TRUNCATE message_inbox"))

/** Rows in the inbox: after a phase it must equal the envelopes answered as newly stored. */
export const inboxRows = (db: BenchDatabase) =>
  withClient(db.url, "count message_inbox", (c) => c.query<{ n: number }>("SELECT count(*)::int AS n FROM message_inbox"))
    .pipe(Effect.map((r) => r.rows[0]?.n ?? 0))
