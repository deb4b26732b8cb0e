/**
 * The hub's own counts per source (issue 12): every verdict of REST and RPC ingest is counted under its
 * source, hostile traffic cannot grow the key set past the hour's budget (the rest folds into
 * "(overflow)" and is counted in /metrics), unreadable sources count as "(unparsed)", the last tallies are
 * written at shutdown, and a connector whose heartbeat claims more than the hub accepted is flagged.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it as plain, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import * as PgSourceCounts from "../../layers/SourceCounts/PgSourceCounts.js"
import * as Tally from "../../layers/SourceCounts/Tally.js"
import { OVERFLOW, SourceCounts, UNPARSED } from "../../services/SourceCounts.js"
import type { IngestEnvelopeInput } from "../../src/domain/Envelope.js"
import type { HeartbeatInput } from "../../src/domain/Heartbeat.js"
import { ConnectorDetailResponse, ConnectorListResponse, HubCountsResponse } from "../../src/domain/StatsApi.js"
import { NarrowRole, RankedRole } from "../../src/domain/Roles.js"
import * as Client from "../../src/rpc/Client.js"
import { HOUR_MS } from "../../src/stats/Buckets.js"
import { sample } from "../support/Fixtures.js"
import { postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import { getAs } from "../stats/support/Api.js"
import * as FrozenClock from "../stats/support/FrozenClock.js"

/** Far after the migration ran (its time is when counting began), so whole days are judged; mid-hour. */
const NOW = Date.parse("2030-01-15T10:30:00Z")
const clock = FrozenClock.make(NOW)
const Hub = TestHub.layer.pipe(Layer.provide(clock.layer))

const at = (id: string, endpoint_identity: string) => sample(id, { endpoint_identity })
const invalid = (id: string, endpoint_identity: string): IngestEnvelopeInput => ({ ...at(id, endpoint_identity), sender: { identity: "" } })
const many = (prefix: string, from: number, n: number, identity?: string) =>
  Array.from({ length: n }, (_, i) => at(`${prefix}-${from + i}`, identity ?? `${prefix}-${from + i}`))

const rpcClient = (hub: TestHub.TestHubInfo, token: string) =>
  Effect.flatMap(Layer.build(Client.layer({ url: hub.url, token: Redacted.make(token) })), (ctx) =>
    Effect.provide(Client.HubRpcClient, ctx))

interface Row {
  readonly channel: string
  readonly provider: string
  readonly endpoint_identity: string
  readonly accepted: number
  readonly duplicate: number
  readonly rejected: number
}

const rowsAt = (hour: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<Row>`SELECT channel, provider, endpoint_identity, accepted::int AS accepted, duplicate::int AS duplicate,
      rejected::int AS rejected FROM hub_source_counts WHERE hour = ${new Date(hour)}`).pipe(Effect.orDie)

const folded = (hub: TestHub.TestHubInfo) =>
  Effect.map(request(`${hub.url}/metrics`), (res) => {
    const m = /switchboard_source_counts_folded_total\{reason="rejected_sources"\} (\d+)/.exec(String(res.body))
    return Number(m?.[1] ?? 0)
  })

const heartbeat = (identity: string, ingested: number): HeartbeatInput => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: "sandbox", endpoint_identity: identity, instance_id: "0190f5a4-1111-7000-8000-00000000c1a1" },
  status: { state: "healthy", error_message: null, uptime_s: 10 },
  counters: { messages_ingested: ingested, messages_failed: 0, source_api_calls: 1, checkpoint_saves: 0, dedupe_accepted: 0 },
  sent_at: new Date(NOW).toISOString()
})

layer(Hub, { excludeTestServices: true, timeout: 180_000 })("hub source counts", (it) => {
  it.scoped("count every REST and RPC verdict exactly beside hostile traffic, folding sources beyond the hour's budget", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const counts = yield* SourceCounts
      clock.set(NOW)
      const rest = (body: unknown, token = hub.token) => postJson(`${hub.url}/api/ingest`, token, body)
      const restBatch = (envelopes: ReadonlyArray<unknown>, token = hub.token) =>
        postJson(`${hub.url}/api/ingest/batch`, token, { envelopes })
      const rpc = yield* rpcClient(hub, hub.token)
      const scoped = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: "only-this" })
      const scopedRpc = yield* rpcClient(hub, scoped.token)
      const viewer = yield* hub.mintToken({ role: "viewer" })
      const foldedBefore = yield* folded(hub)

      // Phase 1, in order: each legitimate source is admitted before the flood spends the hour's budget.
      assert.strictEqual((yield* rest(at("r-0", "sc-rest"))).status, 202)
      yield* rpc.Ingest(at("p-0", "sc-rpc"))
      assert.strictEqual((yield* rest(at("f-0", "sc-forbidden"), scoped.token)).status, 403)
      assert.strictEqual((yield* restBatch(many("b", 0, 501, "sc-batchsize"))).status, 400, "501 envelopes is too many")

      // Phase 2, all at once: valid, duplicate and rejected traffic of both transports beside hostile callers.
      const unparseable: ReadonlyArray<unknown> = [
        42,
        JSON.stringify("text"), // postJson sends a string as the body itself: this is the JSON string "text"
        [],
        { source: "x" },
        { source: { channel: "sandbox", provider: "sandbox", endpoint_identity: "x".repeat(300) } },
        { source: { channel: "nope", provider: "sandbox", endpoint_identity: "a" } },
        { source: { channel: "sandbox", provider: "gmail", endpoint_identity: "a" } }
      ]
      const statuses = yield* Effect.all([
        ...many("r", 1, 9, "sc-rest").map((e) => rest(e)),
        ...[1, 2, 3].map(() => rest(at("r-0", "sc-rest"))),
        ...[1, 2, 3, 4].map((i) => rest(invalid(`r-bad-${i}`, "sc-rest"))),
        restBatch([...many("r", 10, 10, "sc-rest"), at("r-1", "sc-rest"), invalid("r-bad-5", "sc-rest"), invalid("r-bad-6", "sc-rest")]),
        rest(at("r-20", "sc-rest"), viewer.token),
        ...unparseable.map((body) => rest(body)),
        request(`${hub.url}/api/ingest`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${hub.token}` },
          body: "not json{"
        }),
        restBatch(many("flood", 0, 500), scoped.token),
        restBatch(many("flood", 500, 500), scoped.token)
      ].map((call) => Effect.map(call, (res) => res.status)), { concurrency: "unbounded" })
      yield* Effect.all([
        ...many("p", 1, 5, "sc-rpc").map((e) => rpc.Ingest(e)),
        rpc.Ingest(at("p-0", "sc-rpc")),
        rpc.Ingest(at("p-0", "sc-rpc")),
        ...[1, 2, 3].map((i) => Effect.flip(rpc.Ingest(invalid(`p-bad-${i}`, "sc-rpc")))),
        rpc.IngestBatch({ envelopes: [...many("p", 6, 10, "sc-rpc"), at("p-2", "sc-rpc"), invalid("p-bad-4", "sc-rpc")] }),
        ...[1, 2].map((i) => Effect.flip(scopedRpc.Ingest(at(`f-${i}`, "sc-forbidden")))),
        // The typed client sends whatever it is given; the hub decodes envelopes loosely and validates them itself.
        Effect.flip(rpc.Ingest(42 as unknown as IngestEnvelopeInput)),
        Effect.flip(rpc.Ingest({ source: null } as unknown as IngestEnvelopeInput)),
        scopedRpc.IngestBatch({ envelopes: many("flood", 1000, 500) })
      ], { concurrency: "unbounded", discard: true })
      assert.includeMembers(statuses, [202, 400, 403])
      assert.strictEqual(statuses.at(-3), 400, "a body that is not JSON is refused at the edge")

      yield* counts.flush
      const rows = yield* rowsAt(NOW - (NOW % HOUR_MS))
      const row = (identity: string) => rows.find((r) => r.endpoint_identity === identity)
      const sandbox = { channel: "sandbox", provider: "sandbox" }
      assert.deepStrictEqual(row("sc-rest"), { ...sandbox, endpoint_identity: "sc-rest", accepted: 20, duplicate: 4, rejected: 7 })
      assert.deepStrictEqual(row("sc-rpc"), { ...sandbox, endpoint_identity: "sc-rpc", accepted: 16, duplicate: 3, rejected: 4 })
      assert.deepStrictEqual(row("sc-forbidden"), { ...sandbox, endpoint_identity: "sc-forbidden", accepted: 0, duplicate: 0, rejected: 3 })
      assert.deepStrictEqual(row("sc-batchsize"), { ...sandbox, endpoint_identity: "sc-batchsize", accepted: 0, duplicate: 0, rejected: 500 })
      // 7 REST bodies + 2 RPC payloads + the 501st envelope of the oversized batch; never the raw values.
      assert.deepStrictEqual(row(UNPARSED.endpoint_identity), { ...UNPARSED, accepted: 0, duplicate: 0, rejected: 10 })
      assert.isUndefined(rows.find((r) => r.endpoint_identity.startsWith("xxxx") || r.channel === "nope"))

      // 1,500 invented sources: 998 fit the budget of 1,000 left after sc-forbidden and sc-batchsize.
      const flood = rows.filter((r) => r.endpoint_identity.startsWith("flood-"))
      assert.strictEqual(flood.length, 998)
      assert.isTrue(flood.every((r) => r.rejected === 1 && r.accepted === 0))
      assert.deepStrictEqual(row(OVERFLOW.endpoint_identity), { ...OVERFLOW, accepted: 0, duplicate: 0, rejected: 502 })
      assert.strictEqual(rows.length, 998 + 6)
      assert.strictEqual((yield* folded(hub)) - foldedBefore, 502)

      yield* counts.flush
      assert.deepStrictEqual(yield* rowsAt(NOW - (NOW % HOUR_MS)), rows, "a flush with nothing new adds nothing")

      const series = yield* getAs(HubCountsResponse, `${hub.url}/api/connectors/sandbox/sc-rest/hub-counts?period=24h`, hub.token)
      assert.strictEqual(series.data.timeseries.length, 24)
      assert.deepStrictEqual(series.data.totals, { accepted: 20, duplicate: 4, rejected: 7 })
      assert.deepStrictEqual(series.data.timeseries.at(-1), {
        bucket: new Date(NOW - (NOW % HOUR_MS)).toISOString(),
        accepted: 20,
        duplicate: 4,
        rejected: 7
      })
      const week = yield* getAs(HubCountsResponse, `${hub.url}/api/connectors/sandbox/sc-rpc/hub-counts?period=7d`, hub.token)
      assert.strictEqual(week.data.timeseries.length, 168)
      assert.deepStrictEqual(week.data.totals, { accepted: 16, duplicate: 3, rejected: 4 })
      const bad = yield* request(`${hub.url}/api/connectors/sandbox/sc-rpc/hub-counts?period=30d`, {
        headers: { authorization: `Bearer ${hub.token}` }
      })
      assert.strictEqual(bad.status, 400)
      assert.include(JSON.stringify(bad.body), "period must be one of 24h, 7d")
    }))

  it.scoped("flags a connector whose heartbeat claims more than the hub accepted today, but not on the day counting began", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      clock.set(NOW + 2 * HOUR_MS)
      // The hub accepts 3 for each (one of them twice); "claims-high" claims 5, "claims-ok" claims 4 (3 + 1 duplicate).
      for (const identity of ["claims-high", "claims-ok"]) {
        for (const id of ["c-1", "c-2", "c-3", "c-1"]) {
          assert.strictEqual((yield* postJson(`${hub.url}/api/ingest`, hub.token, at(id, identity))).status, 202)
        }
      }
      for (const [identity, claimed] of [["claims-high", 5], ["claims-ok", 4]] as const) {
        const res = yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, { ...heartbeat(identity, claimed), sent_at: new Date(NOW + 2 * HOUR_MS).toISOString() })
        assert.strictEqual(res.status, 202, JSON.stringify(res.body))
      }
      // Not flushed yet: answers include this process's unwritten counts.
      const list = yield* getAs(ConnectorListResponse, `${hub.url}/api/connectors`, hub.token)
      const item = (identity: string) => list.data.find((c) => c.endpoint_identity === identity)
      assert.strictEqual(item("claims-high")?.today.messages_ingested, 5)
      assert.deepStrictEqual(
        { ...item("claims-high")?.hub, counting_since: null },
        { accepted: 3, duplicate: 1, rejected: 0, counting_since: null }
      )
      assert.isTrue(item("claims-high")?.claims_exceed_hub)
      assert.isFalse(item("claims-ok")?.claims_exceed_hub)
      const detail = yield* getAs(ConnectorDetailResponse, `${hub.url}/api/connectors/sandbox/claims-high`, hub.token)
      assert.isTrue(detail.data.claims_exceed_hub)
      assert.strictEqual(detail.data.hub?.accepted, 3)

      // On the day the hub began counting, its day is partial: a claim the hub cannot back is no verdict yet.
      const since = Date.parse(detail.data.hub?.counting_since ?? "")
      assert.isBelow(since, NOW)
      clock.set(since)
      const early = yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, {
        ...heartbeat("claims-early", 5),
        sent_at: new Date(since).toISOString()
      })
      assert.strictEqual(early.status, 202, JSON.stringify(early.body))
      const partial = yield* getAs(ConnectorDetailResponse, `${hub.url}/api/connectors/sandbox/claims-early`, hub.token)
      assert.strictEqual(partial.data.today.messages_ingested, 5)
      assert.strictEqual(partial.data.hub?.accepted, 0)
      assert.isFalse(partial.data.claims_exceed_hub)
      clock.set(NOW)
    }))

  it.effect("hub-counts answers every ranked role (stats.read) and refuses the narrow ones with 403", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      for (const role of [...RankedRole.literals, ...NarrowRole.literals]) {
        const token = yield* hub.mintToken({ role })
        const res = yield* request(`${hub.url}/api/connectors/sandbox/sc-rest/hub-counts`, {
          headers: { authorization: `Bearer ${token.token}` }
        })
        assert.strictEqual(res.status, (NarrowRole.literals as ReadonlyArray<string>).includes(role) ? 403 : 200, role)
      }
    }))

  it.scoped("writes the last tallies when the layer closes, however long the flush interval", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const hour = NOW - (NOW % HOUR_MS) + 5 * HOUR_MS
      clock.set(hour + 60_000)
      const rare = PgSourceCounts.layerWith({ ...PgSourceCounts.defaults, flushEvery: Duration.hours(1) })
      yield* Effect.scoped(Effect.gen(function*() {
        const counts = yield* SourceCounts
        yield* counts.record([[{ channel: "sandbox", provider: "sandbox", endpoint_identity: "at-shutdown" }, "accepted", 7]])
      }).pipe(Effect.provide(Layer.provide(rare, Layer.succeed(SqlClient.SqlClient, sql)))))
      const rows = yield* rowsAt(hour)
      assert.deepStrictEqual(rows.find((r) => r.endpoint_identity === "at-shutdown")?.accepted, 7)
      clock.set(NOW)
    }))
})

describe("Tally", () => {
  const s = (endpoint_identity: string) => ({ channel: "sandbox", provider: "sandbox", endpoint_identity })
  const budget = { maxRejectedSources: 2, maxStoredSources: 3, maxPending: 100 }
  const byId = (t: Tally.Tally) => {
    const { entries, folds } = t.take()
    return { folds, ids: Object.fromEntries(entries.map((e) => [`${e.hour}/${e.source.endpoint_identity}`, [e.accepted, e.duplicate, e.rejected]])) }
  }

  plain("admits each source once an hour within its budget, folds the rest, and starts a new budget each hour", () => {
    const t = Tally.make(budget)
    for (const id of ["a", "b", "c"]) t.add(0, s(id), "rejected")
    t.add(0, s("a"), "accepted")
    for (const id of ["d", "e", "f", "g"]) t.add(0, s(id), "accepted")
    t.add(0, UNPARSED, "rejected", 4)
    t.add(HOUR_MS, s("c"), "rejected")
    assert.deepStrictEqual(byId(t), {
      folds: { rejected_sources: 1, stored_sources: 1, backlog: 0 },
      ids: {
        "0/a": [1, 0, 1],
        "0/b": [0, 0, 1],
        "0/d": [1, 0, 0],
        "0/e": [1, 0, 0],
        "0/f": [1, 0, 0],
        "0/(overflow)": [1, 0, 1],
        "0/(unparsed)": [0, 0, 4],
        [`${HOUR_MS}/c`]: [0, 0, 1]
      }
    })
    t.add(HOUR_MS, s("c"), "duplicate")
    assert.deepStrictEqual(byId(t).ids, { [`${HOUR_MS}/c`]: [0, 1, 0] }, "an admitted source keeps its entry after a take")
  })

  plain("keeps failed writes for the next one, folding beyond the backlog limit", () => {
    const t = Tally.make({ ...budget, maxPending: 2 })
    t.add(0, s("a"), "accepted")
    t.add(0, s("b"), "accepted", 2)
    const { entries } = t.take()
    t.add(0, s("c"), "accepted", 5)
    t.restore(entries)
    assert.deepStrictEqual(byId(t), {
      folds: { rejected_sources: 0, stored_sources: 0, backlog: 2 },
      ids: { "0/c": [5, 0, 0], "0/a": [1, 0, 0], "0/(overflow)": [2, 0, 0] }
    })
  })
})
