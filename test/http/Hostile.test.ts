/**
 * Odd and hostile envelopes sent at the same moment as valid ones, over the real socket: every valid
 * envelope is accepted, every odd one is a 400 naming its path, nothing odd is stored, and nothing
 * stored differs from what was sent.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Random } from "effect"
import { sample } from "../support/Fixtures.js"
import { field, postJson } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"

type Mutable = { -readonly [K in "source" | "event" | "sender" | "payload"]: Record<string, unknown> }

/** Each odd input, the path its 400 must name, and the body text (some can only be written as text). */
const odd: ReadonlyArray<{ readonly name: string; readonly path: string; readonly body: (id: string) => string }> = [
  { name: "NUL in text", path: "payload.normalized_text", body: (id) => json(id, (e) => (e.payload.normalized_text = "a\u0000b")) },
  { name: "NUL in a raw key", path: "payload.raw", body: (id) => json(id, (e) => (e.payload.raw = { "k\u0000": 1 })) },
  { name: "NUL in a raw value", path: "payload.raw.v", body: (id) => json(id, (e) => (e.payload.raw = { v: "\u0000" })) },
  { name: "lone surrogate in the event id", path: "event.external_event_id", body: (id) => json(id, (e) => (e.event.external_event_id = `${id}\ud800`)) },
  { name: "lone surrogate in the sender", path: "sender.identity", body: (id) => json(id, (e) => (e.sender.identity = "\udc00x")) },
  { name: "event id over 1 KiB", path: "event.external_event_id", body: (id) => json(id, (e) => (e.event.external_event_id = `${id}${"x".repeat(3000)}`)) },
  { name: "endpoint over 256 bytes", path: "source.endpoint_identity", body: (id) => json(id, (e) => (e.source.endpoint_identity = "e".repeat(300))) },
  { name: "February 30", path: "event.observed_at", body: (id) => json(id, (e) => (e.event.observed_at = "2026-02-30T10:00:00Z")) },
  { name: "year 0000", path: "event.observed_at", body: (id) => json(id, (e) => (e.event.observed_at = "0000-01-01T00:00:00Z")) },
  { name: "offset +16:00", path: "event.observed_at", body: (id) => json(id, (e) => (e.event.observed_at = "2026-01-01T00:00:00+16:00")) },
  { name: "1e400 in raw", path: "payload.raw.n", body: (id) => json(id, (e) => (e.payload.raw = { n: "NUMBER" })).replace('"NUMBER"', "1e400") },
  {
    name: "raw nested 100,000 deep",
    path: "payload.raw.v",
    body: (id) => json(id, (e) => (e.payload.raw = { v: "DEEP" })).replace('"DEEP"', "[".repeat(100_000) + "]".repeat(100_000))
  }
]

const json = (id: string, mutate: (e: Mutable) => void) => {
  const e = structuredClone(sample(id)) as Mutable
  mutate(e)
  return JSON.stringify(e)
}

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("hostile input beside valid input", (it) => {
  it.effect("every valid envelope is accepted while odd ones arrive at the same moment; each odd one is a 400 naming its path", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const sql = yield* SqlClient.SqlClient
      const run = `hostile-${yield* Random.nextIntBetween(0, 1_000_000_000)}`
      const valid = Array.from({ length: 120 }, (_, i) => `${run}-ok-${i}`)
      const oddSends = odd.flatMap((o, k) => Array.from({ length: 4 }, (_, j) => ({ ...o, id: `${run}-odd-${k}-${j}` })))
      const [validAnswers, oddAnswers] = yield* Effect.all([
        Effect.forEach(valid, (id) => postJson(`${hub.url}/api/ingest`, hub.token, sample(id)), { concurrency: "unbounded" }),
        Effect.forEach(oddSends, (o) => postJson(`${hub.url}/api/ingest`, hub.token, o.body(o.id)), { concurrency: "unbounded" })
      ], { concurrency: "unbounded" })
      for (const a of validAnswers) assert.strictEqual(a.status, 202, JSON.stringify(a.body))
      oddAnswers.forEach((a, i) => {
        const o = oddSends[i]!
        assert.strictEqual(a.status, 400, `${o.name}: ${JSON.stringify(a.body).slice(0, 200)}`)
        assert.strictEqual(field(a.body, "_tag"), "ValidationError", o.name)
        const paths = (field(a.body, "issues") as ReadonlyArray<{ path: string }>).map((x) => x.path)
        assert.isTrue(paths.some((p) => p.startsWith(o.path)), `${o.name}: ${paths.join(", ")}`)
      })
      const stored = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM message_inbox WHERE external_event_id LIKE ${`${run}-%`}`
      assert.strictEqual(stored[0]?.n, valid.length)
    }))

  it.effect("a batch with odd envelopes accepts the valid ones and rejects each odd one alone", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const run = `hostile-batch-${yield* Random.nextIntBetween(0, 1_000_000_000)}`
      const parts = odd.map((o, k) => [JSON.stringify(sample(`${run}-ok-${k}`)), o.body(`${run}-odd-${k}`)]).flat()
      const res = yield* postJson(`${hub.url}/api/ingest/batch`, hub.token, `{"envelopes":[${parts.join(",")}]}`)
      assert.strictEqual(res.status, 202, JSON.stringify(res.body).slice(0, 300))
      assert.strictEqual(field(res.body, "accepted"), odd.length)
      assert.strictEqual(field(res.body, "rejected"), odd.length)
      const results = field(res.body, "results") as ReadonlyArray<{ status: string }>
      results.forEach((r, i) => assert.strictEqual(r.status, i % 2 === 0 ? "accepted" : "rejected", `result ${i}`))
    }))

  it.effect("in a batch, an envelope over the 1 MiB single-envelope limit is rejected alone", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const run = `hostile-size-${yield* Random.nextIntBetween(0, 1_000_000_000)}`
      const big = { ...sample(`${run}-big`), payload: { raw: { blob: "b".repeat(1_100_000) }, normalized_text: "big" } }
      const res = yield* postJson(`${hub.url}/api/ingest/batch`, hub.token, { envelopes: [sample(`${run}-ok`), big] })
      assert.strictEqual(res.status, 202)
      assert.strictEqual(field(res.body, "accepted"), 1)
      const results = field(res.body, "results") as ReadonlyArray<{ status: string; error?: { message: string } }>
      assert.strictEqual(results[1]?.status, "rejected")
      assert.include(String(results[1]?.error?.message), "over the limit of 1048576")
    }))

  it.effect("what is stored is exactly what was sent: astral characters, escapes, unusual keys, big and tiny numbers", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const sql = yield* SqlClient.SqlClient
      const id = `exact-${yield* Random.nextIntBetween(0, 1_000_000_000)}`
      const raw = { "__proto__": { x: 1 }, "emoji 😀": "𝄞 \u2028 \\ \"", n: 1.5e300, t: 5e-324, neg: -0.25, arr: [null, true, {}] }
      const envelope = { ...sample(id), payload: { raw, normalized_text: "😀 𝄞 تحية \u200b" } }
      const res = yield* postJson(`${hub.url}/api/ingest`, hub.token, JSON.stringify(envelope))
      assert.strictEqual(res.status, 202)
      const rows = yield* sql<{ raw: unknown; normalized_text: string }>`
        SELECT raw, normalized_text FROM message_inbox WHERE request_id = ${String(field(res.body, "request_id"))}`
      assert.deepStrictEqual(rows[0]?.raw, JSON.parse(JSON.stringify(raw)))
      assert.strictEqual(rows[0]?.normalized_text, envelope.payload.normalized_text)
    }))

  it.effect("a heartbeat nested 30,000 deep where a string belongs is a 400, not a crash of the error formatter", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const body = JSON.stringify({
        schema_version: "connector.heartbeat.v1",
        connector: { connector_type: "sandbox", endpoint_identity: "DEEP", instance_id: "0190f5a4-1111-7000-8000-000000000001" },
        status: { state: "healthy", uptime_s: 1 },
        counters: { messages_ingested: 0, messages_failed: 0, source_api_calls: 0, checkpoint_saves: 0, dedupe_accepted: 0 },
        sent_at: "2026-11-22T10:00:00Z"
      }).replace("\"DEEP\"", "[".repeat(30_000) + "]".repeat(30_000))
      const res = yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, body)
      assert.strictEqual(res.status, 400)
      assert.include(JSON.stringify(field(res.body, "issues")), "connector.endpoint_identity")
    }))

  it.effect("an error answer stays small: a batch of 500 envelopes with huge bad values", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const huge = "z".repeat(10_000)
      const bad = JSON.stringify({
        ...sample("x"),
        source: { channel: huge, provider: huge, endpoint_identity: huge },
        payload: { raw: [huge], normalized_text: 5 },
        [huge.slice(0, 1000)]: 1
      })
      const body = `{"envelopes":[${Array.from({ length: 500 }, () => bad).join(",")}]}`
      const res = yield* postJson(`${hub.url}/api/ingest/batch`, hub.token, body)
      assert.strictEqual(res.status, 202)
      const text = JSON.stringify(res.body)
      // 500 rejections with every issue capped: far below the 25 MB body (was 371 MB before the caps).
      assert.isBelow(text.length, 2_000_000)
      assert.notInclude(text, "z".repeat(500))
    }))
})
