/**
 * Where the hub's CPU per envelope goes, stage by stage, without HTTP: the hub's own layers
 * (Live.appLayer over a fresh database) driven in-process at concurrency 64, next to the same
 * statements on a bare pg.Pool. Process CPU (user + system) per operation is what it reports, so
 * the numbers hold on a shared machine; subtracting them from the ingest bench's "server CPU ms/env"
 * gives what the HTTP / RPC layers cost. Complements `npm run bench:ingest`.
 *
 *   tsx scripts/bench/ingest-stages.ts [--ops 4000] [--only accept] [--pg-url postgres://…/postgres]
 *   node --cpu-prof --import tsx scripts/bench/ingest-stages.ts --only "Ingest.accept" --ops 20000   # profile one stage
 */
import { Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Clock, Config, Console, Data, Effect, Either, Layer, Redacted } from "effect"
import pg from "pg"
import * as Migrations from "../../layers/Database/Migrations.js"
import * as PgDatabase from "../../layers/Database/PgDatabase.js"
import * as Live from "../../layers/Live.js"
import { HubConfigFromEnv } from "../../services/HubConfig.js"
import { InboxStore, type NewInboxRow } from "../../services/InboxStore.js"
import { Ingest } from "../../services/Ingest.js"
import { TokenStore } from "../../services/TokenStore.js"
import * as Token from "../../src/domain/Token.js"
import { dedupeKey } from "../../src/ingest/DedupeKey.js"
import { validateEnvelope } from "../../src/ingest/Validate.js"
import * as BenchDatabase from "./BenchDatabase.js"
import * as Envelopes from "./Envelopes.js"

class StageFailed extends Data.TaggedError("StageFailed")<{ readonly cause: unknown }> {}

const CONCURRENCY = 64

const indices = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i)

/**
 * Warms up with `op(n)…op(n + n/4 - 1)` (so warm-up keys never collide with measured ones), then
 * runs `op(0)…op(n-1)` at concurrency 64: CPU µs per operation and operations/s of wall time.
 */
const measure = <E>(stage: string, n: number, op: (i: number) => Effect.Effect<unknown, E>, perOp = 1) =>
  Effect.gen(function*() {
    yield* Effect.forEach(indices(n, Math.ceil(n / 4)), op, { concurrency: CONCURRENCY, discard: true })
    const cpu0 = process.cpuUsage()
    const t0 = yield* Clock.currentTimeMillis
    yield* Effect.forEach(indices(0, n), op, { concurrency: CONCURRENCY, discard: true })
    const wallS = ((yield* Clock.currentTimeMillis) - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    const ops = n * perOp
    return { stage, ops, cpu_us_per_op: Math.round((cpu.user + cpu.system) / ops), ops_per_s: Math.round(ops / wallS) }
  })

const rowOf = (runId: string, i: number, requestId: string): NewInboxRow => {
  const e = Envelopes.make(runId, i)
  return {
    request_id: requestId,
    dedupe_key: `idem:telegram:telegram:support_bot:${runId}:${i}`,
    source_channel: "telegram",
    source_provider: "telegram",
    source_endpoint_identity: "support_bot",
    external_event_id: `${runId}-${i}`,
    external_thread_id: null,
    sender_identity: "218485655",
    observed_at: e.event.observed_at,
    normalized_text: e.payload.normalized_text,
    raw: e.payload.raw,
    attachments: [],
    trace_context: null,
    policy_tier: "default",
    ingestion_tier: "full",
    received_at: new Date()
  }
}

const INSERT = `INSERT INTO message_inbox (request_id, dedupe_key, source_channel, source_provider,
  source_endpoint_identity, external_event_id, external_thread_id, sender_identity, observed_at,
  normalized_text, raw, attachments, trace_context, policy_tier, ingestion_tier, received_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
  ON CONFLICT (dedupe_key) DO NOTHING RETURNING request_id, dedupe_key, received_at`

const rawInsert = (pool: pg.Pool, r: NewInboxRow) =>
  Effect.tryPromise({
    try: async () => {
      const inserted = await pool.query(INSERT, [
        r.request_id, r.dedupe_key, r.source_channel, r.source_provider, r.source_endpoint_identity,
        r.external_event_id, r.external_thread_id, r.sender_identity, r.observed_at, r.normalized_text,
        JSON.stringify(r.raw), "[]", null, r.policy_tier, r.ingestion_tier, r.received_at
      ])
      if (inserted.rows.length === 0) {
        await pool.query("SELECT request_id, dedupe_key, received_at FROM message_inbox WHERE dedupe_key IN ($1)", [
          r.dedupe_key
        ])
      }
    },
    catch: (cause) => new StageFailed({ cause })
  })

const uuid = (i: number, tag: number) => `00000000-0000-7000-8${tag}00-${i.toString(16).padStart(12, "0")}`

/** Every stage, in order, against the hub's layers and a bare pool on the same database. */
const runStages = (db: BenchDatabase.BenchDatabase, ops: number, only: string) =>
  Effect.gen(function*() {
    const tokens = yield* TokenStore
    const store = yield* InboxStore
    const ingest = yield* Ingest
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() => new pg.Pool({ connectionString: db.url, max: 16 }).on("error", () => undefined)),
      (p) => Effect.promise(() => p.end())
    )
    const raw = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: (cause) => new StageFailed({ cause }) })
    const { secret } = yield* tokens.create({
      env: "live",
      channel: Envelopes.scope.channel,
      provider: Envelopes.scope.provider,
      endpoint_identity: Envelopes.scope.endpoint,
      role: "ingest",
      label: "ingest stages",
      expires_at: null,
      replaces: null
    })
    const principal = yield* tokens.verify(secret)
    const texts = Array.from({ length: ops }, (_, i) => JSON.stringify(Envelopes.make("pure", i)))
    const validateOne = (i: number) =>
      Effect.sync(() => Either.map(validateEnvelope(JSON.parse(texts[i % ops] ?? "")), dedupeKey))
    /** Batch b: even slots new, odd slots resend an envelope the accept stages stored. */
    const batch = (b: number) =>
      Array.from({ length: 100 }, (_, k) =>
        k % 2 === 0 ? Envelopes.make("batch", b * 50 + k / 2) : Envelopes.make("accept", (b * 50 + k) % ops))
    const stage = <E>(name: string, n: number, op: (i: number) => Effect.Effect<unknown, E>, perOp = 1) =>
      name.includes(only) ? Effect.map(measure(name, n, op, perOp), (r) => [r]) : Effect.succeed([])
    return (yield* Effect.all([
      stage("JSON.parse + validateEnvelope + dedupeKey (pure)", ops, validateOne),
      stage("TokenStore.verify (hub)", ops, () => tokens.verify(secret)),
      stage("sha256 + SELECT api_tokens by hash (bare pg)", ops, () =>
        raw(() => pool.query("SELECT * FROM api_tokens WHERE token_hash = $1", [Token.hashOf(secret)]))),
      stage("InboxStore.insert, new key (hub)", ops, (i) => store.insert(rowOf("store", i, uuid(i, 1)))),
      stage("InboxStore.insert, duplicate (hub)", ops, (i) => store.insert(rowOf("store", i, uuid(i, 2)))),
      stage("INSERT, new key (bare pg)", ops, (i) => rawInsert(pool, rowOf("raw", i, uuid(i, 3)))),
      stage("INSERT + owner SELECT, duplicate (bare pg)", ops, (i) => rawInsert(pool, rowOf("raw", i, uuid(i, 4)))),
      stage("Ingest.accept, new (hub)", ops, (i) => ingest.accept(Envelopes.make("accept", i), principal)),
      stage("Ingest.accept, duplicate (hub)", ops, (i) => ingest.accept(Envelopes.make("accept", i), principal)),
      stage(
        "Ingest.acceptBatch x100, half duplicates (hub, per envelope)",
        Math.max(1, Math.floor(ops / 100)),
        (b) => ingest.acceptBatch(batch(b), principal),
        100
      )
    ])).flat()
  })

const appOn = (db: BenchDatabase.BenchDatabase) =>
  Layer.unwrapEffect(Effect.map(HubConfigFromEnv, (config) =>
    Live.appLayer(config, Layer.provideMerge(Migrations.layer, PgDatabase.layer(Redacted.make(db.url))))))

const stages = Command.make("ingest-stages", {
  ops: Options.integer("ops").pipe(Options.withDefault(4000), Options.withDescription("operations per stage")),
  only: Options.text("only").pipe(Options.withDefault(""), Options.withDescription("run only the stages whose name contains this")),
  pgUrl: Options.text("pg-url").pipe(
    Options.withFallbackConfig(Config.string("BENCH_PG_URL")),
    Options.withDefault("postgres://postgres@127.0.0.1:5432/postgres")
  )
}, ({ ops, only, pgUrl }) =>
  Effect.gen(function*() {
    const db = yield* BenchDatabase.acquire(pgUrl)
    yield* Console.log(`CPU per operation, ${ops} operations per stage at concurrency ${CONCURRENCY}`)
    const results = yield* runStages(db, ops, only).pipe(Effect.provide(appOn(db)))
    const width = Math.max(...results.map((r) => r.stage.length))
    yield* Console.log(
      [
        `${"stage".padEnd(width)}  CPU us/op    ops/s`,
        ...results.map((r) =>
          `${r.stage.padEnd(width)}  ${String(r.cpu_us_per_op).padStart(9)}  ${String(r.ops_per_s).padStart(7)}`
        )
      ].join("\n")
    )
  }).pipe(Effect.scoped))

Command.run(stages, { name: "ingest-stages", version: "0.1.0" })(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
