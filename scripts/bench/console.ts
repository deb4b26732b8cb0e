/**
 * `npm run bench:console [-- --rows 10000000 --fresh --requests 300 --concurrency 4]` (issue 12):
 * GET /api/requests on a large inbox. The data set (scripts/bench/ConsoleData.ts) is generated in SQL
 * into a dedicated database of the local Postgres (switchboard_bench_console), kept between runs and
 * reused when it already holds the rows asked for (`--fresh` rebuilds it). Then, in one run:
 *   - EXPLAIN (ANALYZE, BUFFERS) of each page's statement;
 *   - the floor: the same SQL (PgRequestLog.listStatement, compiled) sent with plain `pg`;
 *   - the real hub (`scripts/switchboard serve`, its own process, rollups and delivery off) answering
 *     GET /api/requests over HTTP with an operator token;
 * each page `--requests` times at `--concurrency` in flight, p50/p95/p99 in ms. Writes bench-results/console.json.
 */
import { Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Clock, Console, Effect, Layer, Redacted } from "effect"
import * as Os from "node:os"
import * as Path from "node:path"
import pg from "pg"
import * as Migrations from "../../layers/Database/Migrations.js"
import * as PgDatabase from "../../layers/Database/PgDatabase.js"
import * as PgRequestLog from "../../layers/RequestLog/PgRequestLog.js"
import * as PgTokenStore from "../../layers/TokenStore/PgTokenStore.js"
import type { RequestCursor, RequestFilter } from "../../services/RequestLog.js"
import { TokenStore } from "../../services/TokenStore.js"
import type { BenchDatabase } from "./BenchDatabase.js"
import * as ConsoleData from "./ConsoleData.js"
import * as Processes from "./Processes.js"

const options = {
  rows: Options.integer("rows").pipe(Options.withDefault(10_000_000), Options.withDescription("inbox rows in the data set")),
  fresh: Options.boolean("fresh").pipe(Options.withDescription("rebuild the data set even if it is already there")),
  requests: Options.integer("requests").pipe(Options.withDefault(300), Options.withDescription("requests per page and per path")),
  concurrency: Options.integer("concurrency").pipe(Options.withDefault(4), Options.withDescription("requests in flight")),
  chunk: Options.integer("chunk").pipe(Options.withDefault(250_000), Options.withDescription("rows per INSERT while generating")),
  database: Options.text("database").pipe(Options.withDefault("switchboard_bench_console")),
  pgUrl: Options.text("pg-url").pipe(
    Options.withDefault(process.env["BENCH_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"),
    Options.withDescription("admin URL of the local Postgres (BENCH_PG_URL)")
  ),
  out: Options.text("out").pipe(Options.withDefault("bench-results/console.json"))
}

const failed = (message: string) => new Processes.BenchFailed({ message })
const promise = <A>(what: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (e) => failed(`${what}: ${e instanceof Error ? e.message : String(e)}`) })

const loadAvg = () => Os.loadavg().map((n) => n.toFixed(2)).join(" ")
const int = (n: number) => n.toLocaleString("en-US")

/** The dedicated database, created on first use and kept. */
const ensureDatabase = (adminUrl: string, name: string) =>
  promise("create the bench database", async () => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`"${name}" is not a plain database name`)
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 })
    await client.connect()
    try {
      const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`)
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      return { url: url.toString(), created: exists.rowCount === 0 }
    } finally {
      await client.end()
    }
  })

interface State {
  readonly rows: string
  readonly end_ms: string
  readonly complete: boolean
  readonly index_defs: ReadonlyArray<{ readonly name: string; readonly def: string }>
}

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const value = yield* effect
    return { value, s: (performance.now() - start) / 1000 }
  })

/** The data set of `rows` rows: reused when complete, else generated (secondary indexes dropped during the load, rebuilt after). */
const prepare = (o: { readonly rows: number; readonly fresh: boolean; readonly chunk: number }) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE IF NOT EXISTS bench_console_state (id int PRIMARY KEY, rows bigint NOT NULL,
      end_ms bigint NOT NULL, complete boolean NOT NULL, index_defs jsonb NOT NULL)`
    const state = (yield* sql<State>`SELECT rows, end_ms, complete, index_defs FROM bench_console_state WHERE id = 1`)[0]
    if (!o.fresh && state !== undefined && state.complete && Number(state.rows) === o.rows) {
      yield* Console.log(`data set: reusing ${int(o.rows)} rows ending ${new Date(Number(state.end_ms)).toISOString()}`)
      return { endMs: Number(state.end_ms), generated: false }
    }
    // An interrupted build left its indexes dropped: the definitions saved before it are the ones to restore.
    const defs = state !== undefined && !state.complete
      ? state.index_defs
      : yield* sql<{ readonly name: string; readonly def: string }>`
        SELECT indexname AS name, indexdef AS def FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = 'message_inbox' AND indexname <> 'message_inbox_pkey'`
    const endMs = Math.floor((yield* Clock.currentTimeMillis) / 1000) * 1000
    yield* sql`INSERT INTO bench_console_state (id, rows, end_ms, complete, index_defs)
      VALUES (1, ${o.rows}, ${endMs}, false, ${JSON.stringify(defs)})
      ON CONFLICT (id) DO UPDATE SET rows = excluded.rows, end_ms = excluded.end_ms, complete = false,
        index_defs = excluded.index_defs`
    yield* Console.log(`data set: generating ${int(o.rows)} rows over 30 days ending ${new Date(endMs).toISOString()}`)
    for (const d of defs) yield* sql`DROP INDEX IF EXISTS ${sql(d.name)}`
    yield* sql`TRUNCATE message_inbox, delivery_outbox, delivery_attempts, dead_letters`
    yield* sql`DELETE FROM delivery_targets WHERE name IN ${sql.in(ConsoleData.TARGETS)}`
    yield* sql`INSERT INTO delivery_targets ${sql.insert(ConsoleData.targetRows(new Date(endMs)))}`
    const started = performance.now()
    for (let lo = 0; lo < o.rows; lo += o.chunk) {
      const hi = Math.min(o.rows, lo + o.chunk)
      yield* ConsoleData.insertChunk(sql, { lo, hi, total: o.rows, endMs })
      const s = (performance.now() - started) / 1000
      yield* Console.log(`  ${int(hi)} / ${int(o.rows)} rows (${Math.round((100 * hi) / o.rows)}%) in ${s.toFixed(0)} s, ` +
        `${int(Math.round(hi / s))} rows/s; load ${loadAvg()}`)
    }
    for (const d of defs) {
      const { s } = yield* timed(Effect.zipRight(sql`SET LOCAL maintenance_work_mem = '1GB'`, sql.unsafe(d.def)).pipe(sql.withTransaction))
      yield* Console.log(`  index ${d.name} rebuilt in ${s.toFixed(0)} s`)
    }
    const [outbox, attempts] = ConsoleData.insertDeliveries(sql, 100_000)
    yield* outbox!
    yield* attempts!
    const vacuum = yield* timed(sql`VACUUM (ANALYZE) message_inbox, delivery_outbox, delivery_attempts, delivery_targets`)
    yield* Console.log(`  outbox and attempts for the newest 100,000 requests; VACUUM ANALYZE in ${vacuum.s.toFixed(0)} s`)
    yield* sql`UPDATE bench_console_state SET complete = true WHERE id = 1`
    yield* Console.log(`data set ready in ${((performance.now() - started) / 1000).toFixed(0)} s`)
    return { endMs, generated: true }
  })

interface Latency {
  readonly n: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0
const round = (ms: number) => Math.round(ms * 100) / 100

/** `n` runs of `once`, `concurrency` at a time, after a warm-up of 20. */
const measure = <E>(n: number, concurrency: number, once: Effect.Effect<void, E>) =>
  Effect.gen(function*() {
    yield* Effect.forEach(Array.from({ length: 20 }), () => once, { concurrency, discard: true })
    const times: Array<number> = []
    yield* Effect.forEach(Array.from({ length: n }), () =>
      Effect.suspend(() => {
        const start = performance.now()
        return Effect.map(once, () => void times.push(performance.now() - start))
      }), { concurrency, discard: true })
    times.sort((a, b) => a - b)
    const latency: Latency = {
      n,
      p50: round(quantile(times, 0.5)),
      p95: round(quantile(times, 0.95)),
      p99: round(quantile(times, 0.99)),
      max: round(times.at(-1) ?? 0)
    }
    return latency
  })

const show = (l: Latency | null) => (l === null ? "—" : `p50 ${l.p50} / p95 ${l.p95} / p99 ${l.p99} ms`)

interface Page {
  readonly name: string
  readonly filter: RequestFilter
  /** The cursor as the SQL baseline gets it (the HTTP request follows meta.next_cursor instead). */
  readonly after: RequestCursor | undefined
  readonly query: Record<string, string>
  /** Obtain the cursor over HTTP first: GET with `query`, then with its next_cursor. */
  readonly viaCursor: boolean
}

const LIMIT = 50

const pagesOf = (endMs: number, sql: SqlClient.SqlClient) =>
  Effect.gen(function*() {
    const deepUntil = new Date(endMs - 20 * 86_400_000)
    const deepCursor = (yield* sql<{ readonly received_at: Date; readonly request_id: string }>`
      SELECT received_at, request_id FROM message_inbox WHERE received_at < ${deepUntil}
      ORDER BY received_at DESC, request_id DESC OFFSET ${LIMIT - 1} LIMIT 1`)[0]
    // A reference an operator would paste: the order number of a request about two weeks old.
    const ref = (yield* sql<{ readonly ref: string }>`
      SELECT substring(normalized_text FROM '#[0-9A-F]{6}') AS ref FROM message_inbox
      WHERE received_at < ${new Date(endMs - 14 * 86_400_000)} AND normalized_text LIKE '%order #%'
      ORDER BY received_at DESC LIMIT 1`)[0]?.ref ?? "#000000"
    const pages: ReadonlyArray<Page> = [
      { name: "newest page", filter: {}, after: undefined, query: {}, viaCursor: false },
      {
        name: "filtered: channel + endpoint",
        filter: { channel: "email", endpoint: "billing@acme.example" },
        after: undefined,
        query: { channel: "email", endpoint: "billing@acme.example" },
        viaCursor: false
      },
      {
        name: "filtered: channel + quiet endpoint (0.5%)",
        filter: { channel: "email", endpoint: "mailbox-4@acme.example" },
        after: undefined,
        query: { channel: "email", endpoint: "mailbox-4@acme.example" },
        viaCursor: false
      },
      {
        name: "filtered: channel + provider + endpoint",
        filter: { channel: "telegram", provider: "telegram", endpoint: "alerts-bot" },
        after: undefined,
        query: { channel: "telegram", provider: "telegram", endpoint: "alerts-bot" },
        viaCursor: false
      },
      { name: "sender", filter: { sender: "tg:100100" }, after: undefined, query: { sender: "tg:100100" }, viaCursor: false },
      { name: `q rare (${ref})`, filter: { q: ref }, after: undefined, query: { q: ref }, viaCursor: false },
      { name: "q common word (invoice)", filter: { q: "invoice" }, after: undefined, query: { q: "invoice" }, viaCursor: false },
      { name: "lifecycle dead_lettered", filter: { lifecycle: "dead_lettered" }, after: undefined, query: { lifecycle: "dead_lettered" }, viaCursor: false },
      {
        name: "deep page via cursor (20 days back)",
        filter: { until: deepUntil },
        after: deepCursor,
        query: { until: deepUntil.toISOString() },
        viaCursor: true
      }
    ]
    return pages
  })

const bench = Command.make("bench-console", options, (o) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const startedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    const loadBefore = loadAvg()
    yield* Console.log(`console bench: ${int(o.rows)} rows, ${o.requests} requests per page at ${o.concurrency} in flight; ` +
      `${Os.cpus().length} CPUs, load average ${loadBefore}`)
    const target = yield* ensureDatabase(o.pgUrl, o.database)
    const where = `${new URL(target.url).host}/${o.database}`
    yield* Console.log(`database: ${where}${target.created ? " (created)" : " (kept between runs)"}`)
    const database = Layer.provideMerge(Migrations.layer, PgDatabase.layer(Redacted.make(target.url), { ...PgDatabase.defaults, poolSize: 4 }))
    const services = Layer.provideMerge(PgTokenStore.layer, database)

    yield* Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const data = yield* prepare(o)
      const rows = (yield* sql<{ readonly n: string }>`SELECT count(*) AS n FROM message_inbox`)[0]?.n ?? "0"
      const token = (yield* (yield* TokenStore).create({
        env: "bench", channel: "*", provider: "*", endpoint_identity: "*", role: "operator",
        label: "console bench", expires_at: new Date((yield* Clock.currentTimeMillis) + 86_400_000), replaces: null
      }).pipe(Effect.orDie)).secret
      const pages = yield* pagesOf(data.endMs, sql)

      // The hub reads only: no rollups over the 10 M rows, no delivery worker (the bench targets are paused anyway).
      process.env["SWITCHBOARD_ROLLUPS"] = "false"
      process.env["SWITCHBOARD_DELIVERY_ENABLED"] = "false"
      yield* fs.makeDirectory("bench-results/logs", { recursive: true })
      const db: BenchDatabase = { url: target.url, kind: "postgres", where }
      const hub = yield* Processes.startHub({ db, poolSize: 16, logFile: "bench-results/logs/console-hub.log", profileDir: undefined })
      const pool = new pg.Pool({ connectionString: target.url, max: o.concurrency })
      // Closing the pool at exit: a failure to close it changes no result.
      yield* Effect.addFinalizer(() => Effect.tryPromise(() => pool.end()).pipe(Effect.ignore))

      const get = (query: Record<string, string>) =>
        promise("GET /api/requests", async () => {
          const res = await fetch(`${hub.url}/api/requests?${new URLSearchParams({ ...query, limit: String(LIMIT) })}`, {
            headers: { authorization: `Bearer ${Redacted.value(token)}` }
          })
          const body = await res.text()
          return { status: res.status, body }
        })
      const probe = yield* get({})
      const httpReady = probe.status === 200
      if (!httpReady) {
        yield* Console.log(`HTTP: GET /api/requests answered ${probe.status} (${probe.body.slice(0, 120)}); only the SQL floor is measured`)
      }

      const results: Array<{ page: string; rows: number; sql: Latency | null; http: Latency | null; plan: string }> = []
      // The hub's HTTP floor on this machine: a route that touches no table, measured the same way.
      const health = yield* measure(o.requests, o.concurrency, promise("GET /health", async () => {
        const res = await fetch(`${hub.url}/health`)
        await res.arrayBuffer()
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
      }))
      results.push({ page: "GET /health (no database)", rows: 0, sql: null, http: health, plan: "" })
      for (const page of pages) {
        const [text, params] = PgRequestLog.listStatement(sql, { filter: page.filter, after: page.after, limit: LIMIT }).compile()
        const values = [...params]
        const plan = (yield* promise("EXPLAIN", () => pool.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values)))
          .rows.map((r) => r["QUERY PLAN"]).join("\n")
        const answered = (yield* promise("the page's SQL", () => pool.query(text, values))).rowCount ?? 0
        const floor = yield* measure(o.requests, o.concurrency, promise("the page's SQL", () => pool.query(text, values)))
        let http: Latency | null = null
        if (httpReady) {
          let query = page.query
          if (page.viaCursor) {
            const first = yield* get(page.query)
            const cursor = (JSON.parse(first.body) as { meta?: { next_cursor?: string } }).meta?.next_cursor
            if (cursor === undefined) return yield* failed(`${page.name}: the first page has no next_cursor`)
            query = { ...page.query, cursor }
          }
          http = yield* measure(o.requests, o.concurrency, Effect.flatMap(get(query), (r) =>
            r.status === 200 ? Effect.void : Effect.fail(failed(`${page.name}: HTTP ${r.status} ${r.body.slice(0, 200)}`))))
        }
        yield* Console.log(`\n${page.name}: ${Math.min(answered, LIMIT)} rows; SQL ${show(floor)}; HTTP ${show(http)}\n${plan}`)
        results.push({ page: page.name, rows: Math.min(answered, LIMIT), sql: floor, http, plan })
      }
      const loadAfter = loadAvg()
      const width = Math.max(...results.map((r) => r.page.length))
      yield* Console.log([
        "",
        `${int(Number(rows))} inbox rows in ${where}; ${o.requests} requests per page, ${o.concurrency} in flight, limit ${LIMIT}`,
        `load average before ${loadBefore}, after ${loadAfter} (${Os.cpus().length} CPUs)`,
        `${"page".padEnd(width)}  ${"SQL with pg (floor)".padEnd(36)}  HTTP GET /api/requests (hub)`,
        ...results.map((r) => `${r.page.padEnd(width)}  ${show(r.sql).padEnd(36)}  ${show(r.http)}`)
      ].join("\n"))
      const report = {
        bench: "console",
        started_at: startedAt,
        command: `npm run bench:console -- --rows ${o.rows} --requests ${o.requests} --concurrency ${o.concurrency}`,
        machine: { cpus: Os.cpus().length, node: process.version, load_average_before: loadBefore, load_average_after: loadAfter },
        database: where,
        rows: Number(rows),
        generated: data.generated,
        results
      }
      yield* fs.makeDirectory(Path.dirname(o.out), { recursive: true })
      yield* fs.writeFileString(o.out, `${JSON.stringify(report, null, 2)}\n`)
      yield* Console.log(`results written to ${o.out}`)
    }).pipe(Effect.provide(services), Effect.scoped)
  }))

Command.run(bench, { name: "bench-console", version: "0.1.0" })(process.argv).pipe(
  Effect.catchIf(
    (e) => e instanceof Processes.BenchFailed,
    (e) => Console.error(`bench failed: ${e.message}`).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = 1))))
  ),
  Effect.provide(Layer.mergeAll(NodeContext.layer, NodeHttpClient.layerUndici)),
  NodeRuntime.runMain
)

