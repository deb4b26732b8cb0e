/**
 * The embedded database serves one PGlite session to every pool connection. Concurrent
 * extended-protocol queries (Parse/Bind/Execute/Sync, what pg sends for every parameterized query)
 * from several connections must not interleave inside that session: before, another connection's
 * Parse replaced the unnamed statement between a Parse and its Bind ("bind message supplies 1
 * parameters, but prepared statement "" requires 8"), which failed the delivery worker's queries.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import pg from "pg"
import * as EmbeddedPostgres from "../../layers/Database/EmbeddedPostgres.js"

const pool = (host: string, port: number) =>
  Effect.acquireRelease(
    Effect.sync(() => new pg.Pool({ host, port, user: "postgres", database: "postgres", max: 6 })),
    (p) => Effect.promise(() => p.end())
  )

describe("the embedded database", () => {
  it.live("answers concurrent parameterized queries of different shapes from many connections correctly", () =>
    Effect.gen(function*() {
      const served = yield* EmbeddedPostgres.serve(undefined, 8)
      const client = yield* pool(served.host, served.port)
      // A large parameter makes the Bind arrive in several socket reads, after its Parse was handled.
      const big = "x".repeat(256 * 1024)
      const one = (i: number) =>
        Effect.tryPromise({
          try: () =>
            i % 2 === 0
              ? client.query<{ v: string }>("SELECT left($1::text, 20) AS v", [`one-${i}`.padEnd(20, "-") + big])
                .then((r) => r.rows[0]?.v)
              : client.query<{ v: string }>(
                "SELECT $1::text || $2::text || $3::text || $4::text || $5::text || $6::text || $7::text || $8::text AS v",
                [`eight-${i}`, "-", "a", "b", "c", "d", "e", "f"]
              ).then((r) => r.rows[0]?.v),
          catch: (e) => (e instanceof Error ? e.message : String(e))
        }).pipe(Effect.either)
      const answers = yield* Effect.forEach(Array.from({ length: 400 }, (_, i) => i), one, { concurrency: 24 })
      const wrong = answers.flatMap((a, i) => {
        const expected = i % 2 === 0 ? `one-${i}`.padEnd(20, "-") : `eight-${i}-abcdef`
        if (a._tag === "Left") return [`#${i}: ${a.left}`]
        return a.right === expected ? [] : [`#${i}: got ${String(a.right)}, expected ${expected}`]
      })
      assert.deepStrictEqual(wrong.slice(0, 5), [])
    }).pipe(Effect.scoped), { timeout: 60_000 })
})
