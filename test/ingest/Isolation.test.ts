/**
 * One row the database refuses must fail alone: in a multi-row insert, in a group commit of single
 * submissions arriving together, and with routed outbox rows in the same statement. The rows here skip
 * validation on purpose (they are built as the store receives them), standing for any value a future
 * validation gap lets through.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Random } from "effect"
import { randomBytes } from "node:crypto"
import * as PgInboxStore from "../../layers/InboxStore/PgInboxStore.js"
import * as GroupCommit from "../../layers/Ingest/GroupCommit.js"
import { InboxStore, type NewInboxRow } from "../../services/InboxStore.js"
import * as RequestIds from "../../src/ingest/RequestIds.js"
import * as TestDatabase from "../support/TestDatabase.js"

const StoreLive = PgInboxStore.layer.pipe(Layer.provideMerge(TestDatabase.layer))

/** Values Postgres refuses: NUL in text, NUL in a jsonb string, an index entry over the B-tree limit. */
const poison: ReadonlyArray<(row: NewInboxRow) => NewInboxRow> = [
  (r) => ({ ...r, normalized_text: "nul \u0000 here" }),
  (r) => ({ ...r, raw: { text: "nul \u0000 in json" } }),
  // Random hex, so the key cannot be compressed below the limit.
  (r) => ({ ...r, dedupe_key: `${r.dedupe_key}:${randomBytes(4000).toString("hex")}` }),
  (r) => ({ ...r, observed_at: "2026-02-30T00:00:00Z" })
]

const rowsFor = (run: string, n: number, targets: ReadonlyArray<string> = []) =>
  Effect.gen(function*() {
    const nextId = yield* RequestIds.make
    return yield* Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) =>
      Effect.map(nextId, (request_id): NewInboxRow => ({
        request_id,
        dedupe_key: `event:sandbox:sandbox:${run}:${i}`,
        source_channel: "sandbox",
        source_provider: "sandbox",
        source_endpoint_identity: run,
        external_event_id: String(i),
        external_thread_id: null,
        sender_identity: "user-1",
        observed_at: "2026-11-20T10:00:00Z",
        normalized_text: `message ${i}`,
        raw: { i },
        attachments: [],
        trace_context: null,
        policy_tier: "default",
        ingestion_tier: "full",
        received_at: new Date("2026-11-20T10:00:01Z"),
        targets
      })))
  })

const runId = Effect.map(Random.nextIntBetween(0, 1_000_000_000), (n) => `iso-${n}`)

layer(StoreLive, { excludeTestServices: true, timeout: 120_000 })("a refused row fails alone", (it) => {
  it.effect("insertMany: every poisoned row is Refused, every other row is stored", () =>
    Effect.gen(function*() {
      const store = yield* InboxStore
      const sql = yield* SqlClient.SqlClient
      const run = yield* runId
      const clean = yield* rowsFor(run, 40)
      const rows = clean.map((r, i) => (i % 9 === 4 ? poison[(i / 9) % poison.length | 0]!(r) : r))
      const outcomes = yield* store.insertMany(rows)
      rows.forEach((_, i) => {
        const expected = i % 9 === 4 ? "Refused" : "Inserted"
        assert.strictEqual(outcomes[i]?._tag, expected, `row ${i}`)
      })
      const stored = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM message_inbox WHERE source_endpoint_identity = ${run}`
      assert.strictEqual(stored[0]?.n, rows.filter((_, i) => i % 9 !== 4).length)
      // The reason names the database's complaint, never the value.
      for (const o of outcomes) if (o._tag === "Refused") assert.notInclude(o.reason, rows[22]!.dedupe_key.slice(-40))
    }))

  it.effect("group commit: valid single submissions beside poisoned ones are all stored", () =>
    Effect.gen(function*() {
      const store = yield* InboxStore
      const insert = yield* GroupCommit.make(store)
      const run = yield* runId
      const valid = yield* rowsFor(`${run}-ok`, 60)
      const odd = (yield* rowsFor(`${run}-odd`, 8)).map((r, i) => poison[i % poison.length]!(r))
      // Interleaved and concurrent, so groups mix valid and poisoned rows.
      const all = valid.flatMap((r, i) => (i % 8 === 0 && odd[i / 8] ? [r, odd[i / 8]!] : [r]))
      const outcomes = yield* Effect.forEach(all, insert, { concurrency: "unbounded" })
      const byId = new Map(all.map((r, i) => [r.request_id, outcomes[i]!]))
      for (const r of valid) assert.strictEqual(byId.get(r.request_id)?._tag, "Inserted")
      for (const r of odd) assert.strictEqual(byId.get(r.request_id)?._tag, "Refused")
    }).pipe(Effect.scoped))

  it.effect("routed rows: the refused row gets no outbox rows, its neighbours keep theirs", () =>
    Effect.gen(function*() {
      const store = yield* InboxStore
      const sql = yield* SqlClient.SqlClient
      const run = yield* runId
      const rows = yield* rowsFor(run, 5, ["general"])
      const mixed = rows.map((r, i) => (i === 2 ? poison[0]!(r) : r))
      const outcomes = yield* store.insertMany(mixed)
      assert.deepStrictEqual(outcomes.map((o) => o._tag), ["Inserted", "Inserted", "Refused", "Inserted", "Inserted"])
      const outbox = yield* sql<{ request_id: string }>`
        SELECT request_id FROM delivery_outbox WHERE request_id IN ${sql.in(rows.map((r) => r.request_id))}`
      assert.sameMembers(outbox.map((o) => o.request_id), rows.filter((_, i) => i !== 2).map((r) => r.request_id))
    }))

  it.effect("with a checkpoint: poisoned rows are Refused alone, the others and the cursor commit in one transaction", () =>
    Effect.gen(function*() {
      const store = yield* InboxStore
      const sql = yield* SqlClient.SqlClient
      const run = yield* runId
      const clean = yield* rowsFor(run, 12)
      const rows = clean.map((r, i) => (i % 5 === 1 ? poison[i % poison.length]!(r) : r))
      const written = yield* store.insertManyWithCheckpoint(rows, {
        input: { connector_type: "sandbox", source: { channel: "sandbox", provider: "sandbox", endpoint_identity: run }, cursor: { next: 12 } },
        by: "test"
      })
      rows.forEach((_, i) => assert.strictEqual(written.outcomes[i]?._tag, i % 5 === 1 ? "Refused" : "Inserted", `row ${i}`))
      assert.deepStrictEqual(written.checkpoint.cursor, { next: 12 })
      const stored = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM message_inbox WHERE source_endpoint_identity = ${run}`
      assert.strictEqual(stored[0]?.n, rows.filter((_, i) => i % 5 !== 1).length)
      const cursor = yield* sql<{ cursor: unknown }>`
        SELECT cursor FROM connector_checkpoints WHERE source_endpoint_identity = ${run}`
      assert.deepStrictEqual(cursor.map((c) => c.cursor), [{ next: 12 }])
    }))

  it.effect("with a checkpoint: when the cursor cannot be committed, no row of the batch is stored", () =>
    Effect.gen(function*() {
      const store = yield* InboxStore
      const sql = yield* SqlClient.SqlClient
      const run = yield* runId
      // A trigger stands for any failure of the checkpoint's statement after the rows were inserted.
      yield* sql`CREATE OR REPLACE FUNCTION refuse_checkpoint() RETURNS trigger AS $$
        BEGIN IF NEW.connector_type = 'explode' THEN RAISE EXCEPTION 'checkpoint refused by the test'; END IF; RETURN NEW; END
        $$ LANGUAGE plpgsql`
      yield* sql`DROP TRIGGER IF EXISTS refuse_checkpoint ON connector_checkpoints`
      yield* sql`CREATE TRIGGER refuse_checkpoint BEFORE INSERT ON connector_checkpoints FOR EACH ROW EXECUTE FUNCTION refuse_checkpoint()`
      const rows = yield* rowsFor(run, 5)
      const exit = yield* Effect.exit(store.insertManyWithCheckpoint(rows, {
        input: { connector_type: "explode", source: { channel: "sandbox", provider: "sandbox", endpoint_identity: run }, cursor: { next: 5 } },
        by: "test"
      }))
      assert.isTrue(exit._tag === "Failure")
      const stored = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM message_inbox WHERE source_endpoint_identity = ${run}`
      assert.strictEqual(stored[0]?.n, 0)
      yield* sql`DROP TRIGGER refuse_checkpoint ON connector_checkpoints`
    }))
})
