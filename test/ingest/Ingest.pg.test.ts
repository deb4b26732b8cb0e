import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, FastCheck as fc, Random } from "effect"
import * as Live from "../../layers/Live.js"
import { Ingest } from "../../services/Ingest.js"
import type { Principal } from "../../src/domain/Principal.js"
import { sample } from "../support/Fixtures.js"
import * as TestDatabase from "../support/TestDatabase.js"
import { testConfig } from "../support/TestHub.js"

const admin: Principal = { token_id: "tk_test", channel: "*", provider: "*", endpoint_identity: "*", role: "admin", tenant: "default" }

layer(Live.appLayer(testConfig, TestDatabase.layer), { excludeTestServices: true, timeout: 120_000 })(
  "Ingest on a real Postgres",
  (it) => {
    it.effect.prop(
      "dedupe is idempotent under any interleaving of duplicates and distinct envelopes",
      [fc.array(fc.nat({ max: 7 }), { minLength: 1, maxLength: 60 }), fc.boolean()],
      ([picks, batched]) =>
        Effect.gen(function*() {
          const ingest = yield* Ingest
          const sql = yield* SqlClient.SqlClient
          const run = `run-${yield* Random.nextIntBetween(0, 1_000_000_000)}`
          const envelopes = picks.map((i) => sample(`event-${i}`, { endpoint_identity: run }))
          const answers = batched
            ? (yield* Effect.all(
              [envelopes.slice(0, envelopes.length / 2), envelopes.slice(envelopes.length / 2)]
                .filter((part) => part.length > 0)
                .map((part) => ingest.acceptBatch(part, admin)),
              { concurrency: "unbounded" }
            )).flatMap((b) => b.results.flatMap((r) => (r.status === "accepted" ? [r] : [])))
            : yield* Effect.forEach(envelopes, (e) => ingest.accept(e, admin), { concurrency: "unbounded" })
          assert.strictEqual(answers.length, envelopes.length)
          const distinct = new Set(picks)
          const idsByKey = new Map<string, Set<string>>()
          for (const a of answers) idsByKey.set(a.dedupe_key, (idsByKey.get(a.dedupe_key) ?? new Set()).add(a.request_id))
          assert.strictEqual(idsByKey.size, distinct.size)
          for (const ids of idsByKey.values()) assert.strictEqual(ids.size, 1)
          assert.strictEqual(answers.filter((a) => !a.duplicate).length, distinct.size)
          const rows = yield* sql<{ n: number }>`
            SELECT count(*)::int AS n FROM message_inbox WHERE source_endpoint_identity = ${run}`
          assert.strictEqual(rows[0]?.n, distinct.size)
        }),
      { fastCheck: { numRuns: 25 } }
    )

    it.effect("a batch answers one result per envelope, in order, rejecting bad ones alone", () =>
      Effect.gen(function*() {
        const ingest = yield* Ingest
        const bad = { ...sample("b-2"), sender: { identity: "" } }
        const answer = yield* ingest.acceptBatch([sample("b-1"), bad, sample("b-1"), sample("b-3")], admin)
        assert.deepStrictEqual(answer.results.map((r) => r.status), ["accepted", "rejected", "accepted", "accepted"])
        assert.strictEqual(answer.accepted, 2)
        assert.strictEqual(answer.duplicates, 1)
        assert.strictEqual(answer.rejected, 1)
        const [first, rejected, repeat] = answer.results
        assert.strictEqual(rejected?.status === "rejected" ? rejected.error._tag : "", "ValidationError")
        assert.strictEqual(rejected?.status === "rejected" ? rejected.index : -1, 1)
        assert.strictEqual(repeat?.status === "accepted" && repeat.duplicate, true)
        assert.strictEqual(
          first?.status === "accepted" && repeat?.status === "accepted" && first.request_id === repeat.request_id,
          true
        )
      }))

    it.effect("stores the envelope's fields in message_inbox", () =>
      Effect.gen(function*() {
        const ingest = yield* Ingest
        const sql = yield* SqlClient.SqlClient
        const answer = yield* ingest.accept(sample("stored-1"), admin)
        const rows = yield* sql<{
          dedupe_key: string
          sender_identity: string
          normalized_text: string
          raw: unknown
          observed_at: Date
          lifecycle_state: string
          ingestion_tier: string
        }>`SELECT * FROM message_inbox WHERE request_id = ${answer.request_id}`
        const row = rows[0]!
        assert.strictEqual(row.dedupe_key, "event:sandbox:sandbox:sandbox-1:stored-1")
        assert.strictEqual(row.sender_identity, "user-1")
        assert.strictEqual(row.normalized_text, "message stored-1")
        assert.deepStrictEqual(row.raw, { id: "stored-1" })
        assert.strictEqual(row.observed_at.toISOString(), "2026-11-20T10:00:00.000Z")
        assert.strictEqual(row.ingestion_tier, "full")
      }))
  }
)
