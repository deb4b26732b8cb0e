/**
 * GET /api/connectors is paged (limit, cursor), and the connector path segments of the detail and stats
 * routes are checked before they reach SQL: real hub, real socket, real Postgres.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { ConnectorListResponse } from "../../src/domain/StatsApi.js"
import { field, postJson } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import { get, getAs } from "./support/Api.js"
import * as FrozenClock from "./support/FrozenClock.js"

const NOW = Date.parse("2026-11-22T10:30:00Z")
const REGISTERED = 250

/** 250 registry rows across three types, with identities that sort unusually ("/", "é", digits). */
const Hub = Layer.effectDiscard(
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`INSERT INTO connector_registry (connector_type, endpoint_identity, first_seen_at, registered_via)
      SELECT (ARRAY['email', 'sandbox', 'telegram'])[1 + i % 3],
        (ARRAY['bot/', 'é-', 'Z'])[1 + i % 3] || i, ${new Date(NOW)}, 'cli'
      FROM generate_series(1, ${REGISTERED}::int) AS i`)
).pipe(Layer.provideMerge(TestHub.layer), Layer.provide(FrozenClock.make(NOW).layer))

const issuePaths = (body: unknown) => (field(body, "issues") as ReadonlyArray<{ readonly path: string }>).map((i) => i.path)

layer(Hub, { excludeTestServices: true, timeout: 120_000 })("GET /api/connectors pages and connector path segments", (it) => {
  it.effect("pages of 100 by default follow the cursor through every connector once, in key order", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const sql = yield* SqlClient.SqlClient
      const expected = (yield* sql<{ readonly k: string }>`SELECT connector_type || ' ' || endpoint_identity AS k
        FROM connector_registry ORDER BY connector_type, endpoint_identity`).map((r) => r.k)
      assert.strictEqual(expected.length, REGISTERED)

      const first = yield* getAs(ConnectorListResponse, `${hub.url}/api/connectors`, hub.token)
      assert.strictEqual(first.data.length, 100)
      assert.strictEqual(first.meta.limit, 100)
      assert.strictEqual(first.meta.count, 100)
      assert.isString(first.meta.next_cursor)

      const seen: Array<string> = []
      const sizes: Array<number> = []
      let cursor: string | null = null
      do {
        const query: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`
        const page = yield* getAs(ConnectorListResponse, `${hub.url}/api/connectors?limit=100${query}`, hub.token)
        sizes.push(page.data.length)
        seen.push(...page.data.map((c) => `${c.connector_type} ${c.endpoint_identity}`))
        cursor = page.meta.next_cursor
      } while (cursor !== null && sizes.length < 10)
      assert.deepStrictEqual(sizes, [100, 100, 50])
      assert.deepStrictEqual(seen, expected)

      const all = yield* getAs(ConnectorListResponse, `${hub.url}/api/connectors?limit=500`, hub.token)
      assert.strictEqual(all.data.length, REGISTERED)
      assert.isNull(all.meta.next_cursor)
      const exact = yield* getAs(ConnectorListResponse, `${hub.url}/api/connectors?limit=${REGISTERED}`, hub.token)
      assert.isNull(exact.meta.next_cursor, "a page that ends exactly at the last connector says so")
    }))

  it.effect("a bad limit or cursor is a 400 naming the parameter", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const garbage = (s: string) => Buffer.from(s, "utf8").toString("base64url")
      for (const [query, path] of [
        ["limit=0", "limit"],
        ["limit=501", "limit"],
        ["limit=ten", "limit"],
        ["limit=1.5", "limit"],
        ["cursor=not%20base64!", "cursor"],
        [`cursor=${garbage("{not json")}`, "cursor"],
        [`cursor=${garbage("[1,2]")}`, "cursor"],
        [`cursor=${garbage("[\"a\u0000\",\"b\"]")}`, "cursor"],
        [`cursor=${"A".repeat(5000)}`, "cursor"]
      ] as const) {
        const res = yield* get(`${hub.url}/api/connectors?${query}`, hub.token)
        assert.strictEqual(res.status, 400, `${query}: ${JSON.stringify(res.body).slice(0, 300)}`)
        assert.deepStrictEqual(issuePaths(res.body), [path], query)
      }
    }))

  it.effect("connector path segments: NUL or past the bounds is a 400 naming the segment, never a 5xx; up to the bounds it is found", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const long = "i".repeat(200)
      const sent = yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, {
        schema_version: "connector.heartbeat.v1",
        connector: { connector_type: "sandbox", endpoint_identity: long, instance_id: "0190f5a4-1111-7000-8000-000000000001" },
        status: { state: "healthy", uptime_s: 1 },
        counters: { messages_ingested: 1, messages_failed: 0, source_api_calls: 1, checkpoint_saves: 1, dedupe_accepted: 1 },
        sent_at: "2026-11-22T10:30:00Z"
      })
      assert.strictEqual(sent.status, 202)
      for (const suffix of ["", "/stats"]) {
        const found = yield* get(`${hub.url}/api/connectors/sandbox/${long}${suffix}`, hub.token)
        assert.strictEqual(found.status, 200, `a 200-character identity${suffix}: ${JSON.stringify(found.body).slice(0, 300)}`)
        for (const [segments, path] of [
          ["sandbox/a%00b", "endpoint_identity"],
          ["sand%00box/x", "connector_type"],
          [`sandbox/${"x".repeat(257)}`, "endpoint_identity"],
          [`sandbox/${"%C3%A9".repeat(129)}`, "endpoint_identity"],
          [`${"t".repeat(65)}/x`, "connector_type"],
          [`${"t".repeat(3000)}/${"x".repeat(8000)}`, "connector_type"]
        ] as const) {
          const res = yield* get(`${hub.url}/api/connectors/${segments}${suffix}`, hub.token)
          assert.strictEqual(res.status, 400, `${segments.slice(0, 40)}${suffix}: ${JSON.stringify(res.body).slice(0, 300)}`)
          assert.strictEqual(field(res.body, "_tag"), "ValidationError")
          assert.include(issuePaths(res.body), path)
        }
        const unknown = yield* get(`${hub.url}/api/connectors/Not-A-Type/x${suffix}`, hub.token)
        assert.strictEqual(unknown.status, 404)
        assert.strictEqual(field(unknown.body, "_tag"), "NotFound")
        for (const malformed of ["sandbox/%ED%A0%80", "sandbox/%ZZ", "sandbox/%C3"]) {
          const res = yield* get(`${hub.url}/api/connectors/${malformed}${suffix}`, hub.token)
          assert.strictEqual(res.status, 404, `${malformed}${suffix}`)
          assert.strictEqual(field(res.body, "_tag"), "NotFound", `${malformed}${suffix}: a JSON answer`)
        }
      }
    }))
})
