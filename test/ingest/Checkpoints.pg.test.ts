/**
 * Hub-held checkpoints through the ingest use case (issue 15): a cursor committed with its batch, alone
 * with an empty batch, validated strictly and refused whole when invalid or outside the token's scope.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Metric, Random } from "effect"
import * as Live from "../../layers/Live.js"
import { Ingest } from "../../services/Ingest.js"
import { fencedCommits } from "../../src/metrics/Metrics.js"
import type { Principal } from "../../src/domain/Principal.js"
import { sample } from "../support/Fixtures.js"
import * as TestDatabase from "../support/TestDatabase.js"
import { testConfig } from "../support/TestHub.js"

const scoped = (endpoint: string): Principal => ({
  token_id: "tk_scoped",
  channel: "sandbox",
  provider: "sandbox",
  endpoint_identity: endpoint,
  role: "ingest",
  tenant: "default"
})

const checkpoint = (endpoint: string, cursor: unknown) => ({
  connector_type: "sandbox",
  source: { channel: "sandbox", provider: "sandbox", endpoint_identity: endpoint },
  cursor
})

const key = (endpoint: string) => ({ connector_type: "sandbox", source: { channel: "sandbox", provider: "sandbox", endpoint_identity: endpoint } })

const runId = Effect.map(Random.nextIntBetween(0, 1_000_000_000), (n) => `cp-${n}`)

const rowsOf = (endpoint: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number }>`SELECT count(*)::int AS n FROM message_inbox WHERE source_endpoint_identity = ${endpoint}`.pipe(
      Effect.map((rows) => rows[0]?.n ?? 0)
    ))

/** A value nested `depth` levels deep. */
const nested = (depth: number): unknown => (depth === 0 ? 1 : { d: nested(depth - 1) })

layer(Live.appLayer(testConfig, TestDatabase.layer), { excludeTestServices: true, timeout: 120_000 })(
  "hub-held checkpoints",
  (it) => {
    it.effect("a batch commits its cursor; GetCheckpoint answers it; an empty batch moves the cursor alone", () =>
      Effect.gen(function*() {
        const ingest = yield* Ingest
        const run = yield* runId
        const who = scoped(run)
        assert.deepStrictEqual(yield* ingest.getCheckpoint(key(run), who), { checkpoint: null })
        const answer = yield* ingest.acceptBatch(
          [sample("1", { endpoint_identity: run }), sample("2", { endpoint_identity: run })],
          who,
          checkpoint(run, { next: 3 })
        )
        assert.strictEqual(answer.accepted, 2)
        const first = (yield* ingest.getCheckpoint(key(run), who)).checkpoint
        assert.deepStrictEqual(first?.cursor, { next: 3 })
        assert.strictEqual(first?.updated_by, "tk_scoped")
        assert.strictEqual(first?.commits, 1)
        const empty = yield* ingest.acceptBatch([], who, checkpoint(run, { next: 9 }))
        assert.deepStrictEqual([empty.accepted, empty.results.length], [0, 0])
        const moved = (yield* ingest.getCheckpoint(key(run), who)).checkpoint
        assert.deepStrictEqual([moved?.cursor, moved?.commits], [{ next: 9 }, 2])
        assert.strictEqual(yield* rowsOf(run), 2)
        // Without a checkpoint an empty batch is still refused.
        const refused = yield* Effect.flip(ingest.acceptBatch([], who))
        assert.strictEqual(refused._tag, "ValidationError")
      }))

    it.effect("an invalid checkpoint fails the whole call, naming where, and stores nothing", () =>
      Effect.gen(function*() {
        const ingest = yield* Ingest
        const run = yield* runId
        const who = scoped(run)
        const bad: ReadonlyArray<readonly [unknown, string]> = [
          [checkpoint(run, [1, 2]), "checkpoint.cursor"],
          [checkpoint(run, { big: "x".repeat(17 * 1024) }), "checkpoint.cursor"],
          [checkpoint(run, nested(20)), "checkpoint.cursor"],
          [checkpoint(run, { "k\u0000": 1 }), "checkpoint.cursor"],
          [{ ...checkpoint(run, { next: 1 }), connector_type: "Not A Type" }, "checkpoint.connector_type"],
          [{ ...checkpoint(run, { next: 1 }), extra: true }, "checkpoint.extra"],
          [{ ...checkpoint(run, { next: 1 }), source: { channel: "sandbox", provider: "gmail", endpoint_identity: run } }, "checkpoint.source"],
          ["not an object", "checkpoint"]
        ]
        for (const [input, path] of bad) {
          const error = yield* Effect.flip(ingest.acceptBatch([sample("1", { endpoint_identity: run })], who, input))
          assert.strictEqual(error._tag, "ValidationError", path)
          if (error._tag === "ValidationError") assert.isTrue(error.issues.some((i) => i.path.startsWith(path)), `${path}: ${JSON.stringify(error.issues)}`)
        }
        assert.strictEqual(yield* rowsOf(run), 0)
        assert.deepStrictEqual(yield* ingest.getCheckpoint(key(run), who), { checkpoint: null })
      }))

    it.effect("a token may neither move nor read the checkpoint of a source outside its scope", () =>
      Effect.gen(function*() {
        const ingest = yield* Ingest
        const run = yield* runId
        const other = `${run}-other`
        const forbidden = yield* Effect.flip(
          ingest.acceptBatch([sample("1", { endpoint_identity: run })], scoped(run), checkpoint(other, { next: 1 }))
        )
        assert.strictEqual(forbidden._tag, "Forbidden")
        assert.strictEqual(yield* rowsOf(run), 0)
        const read = yield* Effect.flip(ingest.getCheckpoint(key(other), scoped(run)))
        assert.strictEqual(read._tag, "Forbidden")
        const badKey = yield* Effect.flip(ingest.getCheckpoint({ connector_type: "sandbox" }, scoped(run)))
        assert.strictEqual(badKey._tag, "ValidationError")
      }))

    it.effect("a fenced commit stores only while its process is the singleton's recorded holder; a stale holder's batch is refused whole", () =>
      Effect.gen(function*() {
        const ingest = yield* Ingest
        const sql = yield* SqlClient.SqlClient
        const run = yield* runId
        const who = scoped(run)
        const singleton = `connector:sandbox:${run}`
        const fenceOf = (holder: string) => ({ singleton, holder })
        const cursor = Effect.map(ingest.getCheckpoint(key(run), who), (a) => a.checkpoint?.cursor)
        const holderIs = (holder: string) =>
          sql`INSERT INTO switchboard_singletons (name, runner, holder, started_at) VALUES (${singleton}, 'r', ${holder}, now())
            ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder`
        const refusedWith = (holder: string, ids: ReadonlyArray<string>, next: number) =>
          Effect.map(
            Effect.flip(ingest.acceptBatch(ids.map((id) => sample(id, { endpoint_identity: run })), who, checkpoint(run, { next }), fenceOf(holder))),
            (e) => [e._tag, e.message.includes(`${singleton} is held by another runner now`)]
          )

        // Never recorded: no holder to be.
        assert.deepStrictEqual(yield* refusedWith("a/1", ["1"], 2), ["Unavailable", true])
        yield* holderIs("a/1")
        const first = yield* ingest.acceptBatch([sample("1", { endpoint_identity: run })], who, checkpoint(run, { next: 2 }), fenceOf("a/1"))
        assert.strictEqual(first.accepted, 1)
        // Another process took the connector over: the old one's next batch and cursor are refused together.
        yield* holderIs("b/2")
        assert.deepStrictEqual(yield* refusedWith("a/1", ["2", "3"], 4), ["Unavailable", true])
        assert.deepStrictEqual([yield* rowsOf(run), yield* cursor], [1, { next: 2 }])
        const fenced = yield* Metric.value(Metric.tagged(fencedCommits, "singleton", singleton))
        assert.strictEqual(fenced.count, 2)
        // The new holder resumes where the last commit ended.
        const second = yield* ingest.acceptBatch(
          [sample("2", { endpoint_identity: run }), sample("3", { endpoint_identity: run })],
          who,
          checkpoint(run, { next: 4 }),
          fenceOf("b/2")
        )
        assert.deepStrictEqual([second.accepted, yield* rowsOf(run), yield* cursor], [2, 3, { next: 4 }])
      }))
  }
)
