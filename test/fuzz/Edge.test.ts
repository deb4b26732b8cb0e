/**
 * Fuzz at the HTTP edge, on both databases: thousands of mutated requests (REST single and batch, RPC,
 * JSON-RPC, heartbeat, Telegram webhook, batches with a checkpoint and GetCheckpoint) sent concurrently with
 * valid traffic. Asserts zero 5xx, zero
 * hangs, every 4xx a JSON body naming its cause, and every valid envelope accepted exactly once.
 * Seeded: a failure prints its seed; `SWITCHBOARD_FUZZ_SEED=<n>` replays it.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, FastCheck as fc, Layer } from "effect"
import * as EmbeddedPostgres from "../../layers/Database/EmbeddedPostgres.js"
import * as Migrations from "../../layers/Database/Migrations.js"
import { sample } from "../support/Fixtures.js"
import * as TestDatabase from "../support/TestDatabase.js"
import * as TestHub from "../support/TestHub.js"
import { type Mutation, mutate, mutations } from "./Mutations.js"

const seed = Number(process.env["SWITCHBOARD_FUZZ_SEED"] ?? Math.floor(Math.random() * 2 ** 31))

const heartbeat = (identity: string) => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: "sandbox", endpoint_identity: identity, instance_id: "0190f5a4-1111-7000-8000-000000000001", version: "1.0.0" },
  status: { state: "healthy", error_message: null, uptime_s: 10 },
  counters: { messages_ingested: 5, messages_failed: 0, source_api_calls: 3, checkpoint_saves: 1, dedupe_accepted: 0 },
  checkpoint: { cursor: "42", updated_at: "2026-11-22T10:00:00Z" },
  capabilities: { polling: true },
  sent_at: "2026-11-22T10:00:00Z"
})

interface Probe {
  readonly endpoint: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
}

interface Violation {
  readonly endpoint: string
  readonly status: number | "hang" | "network"
  readonly why: string
  readonly body: string
}

const REQUEST_TIMEOUT_MS = 30_000

/** Sends one probe; answers a violation, or undefined when the answer keeps the edge's promises. */
const send = (url: string, probe: Probe) =>
  Effect.promise(async (): Promise<Violation | undefined> => {
    const excerpt = probe.body.slice(0, 160)
    let res: Response
    try {
      res = await fetch(`${url}${probe.path}`, {
        method: "POST",
        headers: probe.headers,
        body: probe.body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
      })
    } catch (e) {
      const hang = e instanceof Error && e.name === "TimeoutError"
      return { endpoint: probe.endpoint, status: hang ? "hang" : "network", why: String(e), body: excerpt }
    }
    const text = await res.text()
    if (res.status >= 500) return { endpoint: probe.endpoint, status: res.status, why: text.slice(0, 300), body: excerpt }
    if (res.status >= 400) {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        return { endpoint: probe.endpoint, status: res.status, why: `4xx without a JSON body: ${text.slice(0, 100)}`, body: excerpt }
      }
      const message = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>)["message"] ?? (parsed as { error?: { message?: unknown } }).error?.message : undefined
      if (typeof message !== "string" || message.length === 0) {
        return { endpoint: probe.endpoint, status: res.status, why: `4xx naming no cause: ${text.slice(0, 200)}`, body: excerpt }
      }
    }
    return undefined
  })

const json = { "content-type": "application/json" }

/** The mutated probes of one run, for every endpoint. */
const probesFor = (token: string, run: string, counts: { readonly single: number; readonly other: number }) => {
  const auth = { ...json, authorization: `Bearer ${token}` }
  const sampleMutations = (n: number, offset: number) =>
    fc.sample(mutations, { seed: seed + offset, numRuns: n }) as ReadonlyArray<ReadonlyArray<Mutation>>
  const envelope = (i: number) => sample(`${run}-fuzz-${i}`)
  const probes: Array<Probe> = []
  sampleMutations(counts.single, 1).forEach((m, i) =>
    probes.push({ endpoint: "POST /api/ingest", path: "/api/ingest", headers: auth, body: mutate(envelope(i), m) }))
  sampleMutations(counts.other, 2).forEach((m, i) => {
    const parts = [0, 1, 2, 3].map((k) => (k === i % 4 ? mutate(envelope(100_000 + i * 4 + k), m) : JSON.stringify(envelope(100_000 + i * 4 + k))))
    probes.push({ endpoint: "POST /api/ingest/batch", path: "/api/ingest/batch", headers: auth, body: `{"envelopes":[${parts.join(",")}]}` })
  })
  sampleMutations(counts.other, 3).forEach((m) =>
    probes.push({ endpoint: "POST /api/ingest/batch (shape)", path: "/api/ingest/batch", headers: auth, body: mutate({ envelopes: [envelope(0)] }, m) }))
  sampleMutations(counts.other, 4).forEach((m, i) =>
    probes.push({ endpoint: "POST /api/connectors/heartbeat", path: "/api/connectors/heartbeat", headers: auth, body: mutate(heartbeat(`${run}-hb-${i % 7}`), m) }))
  sampleMutations(counts.other, 5).forEach((m, i) =>
    probes.push({
      endpoint: "POST /jsonrpc",
      path: "/jsonrpc",
      headers: auth,
      body: mutate({ jsonrpc: "2.0", id: i, method: "Ingest", params: envelope(200_000 + i) }, m)
    }))
  sampleMutations(counts.other, 6).forEach((m, i) =>
    probes.push({
      endpoint: "POST /rpc",
      path: "/rpc",
      headers: { ...auth, "content-type": "application/ndjson" },
      body: `${mutate({ _tag: "Request", id: String(i), tag: "Ingest", payload: envelope(300_000 + i), headers: [] }, m)}\n`
    }))
  // Hub-held checkpoints (issue 15): a batch committing a cursor, and reading one back, over both RPC edges.
  const checkpoint = (i: number) => ({
    connector_type: "sandbox",
    source: { channel: "sandbox", provider: "sandbox", endpoint_identity: `${run}-cp-${i % 5}` },
    cursor: { next: i, page: ["a", { deep: [i] }] }
  })
  sampleMutations(counts.other, 8).forEach((m, i) =>
    probes.push({
      endpoint: "POST /jsonrpc IngestBatch+checkpoint",
      path: "/jsonrpc",
      headers: auth,
      body: mutate({ jsonrpc: "2.0", id: i, method: "IngestBatch", params: { envelopes: [envelope(400_000 + i)], checkpoint: checkpoint(i) } }, m)
    }))
  sampleMutations(counts.other, 9).forEach((m, i) =>
    probes.push({
      endpoint: "POST /jsonrpc GetCheckpoint",
      path: "/jsonrpc",
      headers: auth,
      body: mutate({ jsonrpc: "2.0", id: i, method: "GetCheckpoint", params: { key: { connector_type: "sandbox", source: checkpoint(i).source } } }, m)
    }))
  sampleMutations(counts.other, 10).forEach((m, i) =>
    probes.push({
      endpoint: "POST /rpc IngestBatch+checkpoint",
      path: "/rpc",
      headers: { ...auth, "content-type": "application/ndjson" },
      body: `${mutate({
        _tag: "Request",
        id: String(i),
        tag: "IngestBatch",
        payload: { envelopes: [envelope(500_000 + i)], checkpoint: checkpoint(i) },
        headers: []
      }, m)}\n`
    }))
  sampleMutations(counts.other, 7).forEach((m, i) =>
    probes.push({
      endpoint: "POST /telegram/{bot}/webhook",
      path: `/telegram/${["fuzz_bot", "%00", "%F0%9F%98%80", "x".repeat(3000), "%ED%A0%80"][i % 5]}/webhook`,
      headers: { ...json, "x-telegram-bot-api-secret-token": i % 2 === 0 ? "wrong" : "\u0000".repeat(0) + "s3cr3t" },
      body: mutate({ update_id: i, message: { message_id: 1, date: 1700000000, chat: { id: 1, type: "private" }, text: "hi" } }, m)
    }))
  return probes
}

const fuzz = (counts: { readonly single: number; readonly other: number; readonly valid: number }) => () =>
  Effect.gen(function*() {
    const hub = yield* TestHub.TestHub
    const sql = yield* SqlClient.SqlClient
    const run = `fuzz-${seed}-${counts.single}`
    const probes = probesFor(hub.token, run, counts)
    const valid = Array.from({ length: counts.valid }, (_, i) => `${run}-valid-${i}`)
    const [violations, validAnswers] = yield* Effect.all([
      Effect.forEach(probes, (p) => send(hub.url, p), { concurrency: 16 }),
      Effect.forEach(valid, (id) =>
        send(hub.url, {
          endpoint: "valid POST /api/ingest",
          path: "/api/ingest",
          headers: { ...json, authorization: `Bearer ${hub.token}` },
          body: JSON.stringify(sample(id))
        }), { concurrency: 8 })
    ], { concurrency: "unbounded" })
    const found = [...violations, ...validAnswers].filter((v): v is Violation => v !== undefined)
    // Grouped by endpoint and status, with one example each, so a failure reads as a list of causes.
    const byKind: Record<string, { count: number; example: Violation }> = {}
    for (const v of found) {
      const kind = `${v.endpoint} → ${v.status}`
      byKind[kind] = { count: (byKind[kind]?.count ?? 0) + 1, example: byKind[kind]?.example ?? v }
    }
    assert.deepStrictEqual(byKind, {}, `seed ${seed}: ${found.length} violations of ${probes.length + valid.length} requests`)
    const stored = yield* sql<{ n: number; keys: number }>`
      SELECT count(*)::int AS n, count(DISTINCT dedupe_key)::int AS keys FROM message_inbox
      WHERE external_event_id LIKE ${`${run}-valid-%`}`
    assert.strictEqual(stored[0]?.n, valid.length, `seed ${seed}: every valid envelope stored`)
    assert.strictEqual(stored[0]?.keys, valid.length, `seed ${seed}: each exactly once`)
  })

/** A fresh embedded (PGlite) database, migrated: the backend `npm start` uses by default. */
const EmbeddedDatabase = Layer.provideMerge(
  Migrations.layer,
  Layer.unwrapScoped(
    Effect.map(EmbeddedPostgres.serve(undefined, 12).pipe(Effect.orDie), (served) =>
      TestDatabase.servicesFor({ host: served.host, port: served.port, database: "postgres", kind: "embedded" }))
  )
)

layer(TestHub.layer, { excludeTestServices: true, timeout: 600_000 })("edge fuzz, test database", (it) => {
  it.effect("thousands of mutated requests beside valid traffic: no 5xx, no hang, every valid envelope once", fuzz({ single: 1500, other: 250, valid: 300 }), 600_000)
})

layer(TestHub.layerWith(EmbeddedDatabase), { excludeTestServices: true, timeout: 600_000 })("edge fuzz, embedded database", (it) => {
  it.effect("thousands of mutated requests beside valid traffic: no 5xx, no hang, every valid envelope once", fuzz({ single: 800, other: 150, valid: 200 }), 600_000)
})
