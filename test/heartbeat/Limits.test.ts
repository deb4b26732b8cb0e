/**
 * What a heartbeat may carry, through the real REST route on a real socket and Postgres: a value Postgres
 * cannot store as sent, or one past its bound, is a 400 naming its path and nothing is stored; a value at
 * its bound is stored exactly as sent and read back unchanged.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import {
  type HeartbeatInput,
  MAX_CAPABILITIES,
  MAX_COUNTER,
  MAX_CURSOR_BYTES,
  MAX_ERROR_MESSAGE_BYTES,
  MAX_UPTIME_S,
  MAX_VERSION_BYTES
} from "../../src/domain/Heartbeat.js"
import { field, postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import * as FrozenClock from "../stats/support/FrozenClock.js"

const NOW = Date.parse("2026-11-22T10:30:00Z")
const Hub = TestHub.layer.pipe(Layer.provide(FrozenClock.make(NOW).layer))
const INSTANCE = "0190f5a4-1111-7000-8000-000000000001"

const heartbeat = (identity: string): HeartbeatInput => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: "sandbox", endpoint_identity: identity, instance_id: INSTANCE, version: "1.0.0" },
  status: { state: "healthy", error_message: null, uptime_s: 10 },
  counters: { messages_ingested: 1, messages_failed: 0, source_api_calls: 1, checkpoint_saves: 1, dedupe_accepted: 0 },
  checkpoint: { cursor: "c-1", updated_at: "2026-11-22T10:29:00Z" },
  capabilities: { polling: true },
  sent_at: "2026-11-22T10:29:59Z"
})

/** A heartbeat for `identity` with the value at a dotted path (e.g. "status.error_message") replaced. */
const variant = (identity: string, path: string, value: unknown): unknown => {
  const hb = structuredClone(heartbeat(identity)) as unknown as Record<string, unknown>
  const keys = path.split(".")
  const parent = keys.slice(0, -1).reduce((o, k) => o[k] as Record<string, unknown>, hb)
  parent[keys.at(-1)!] = value
  return hb
}

const stored = (identity: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly n: string }>`SELECT (SELECT count(*) FROM connector_registry WHERE endpoint_identity = ${identity})
      + (SELECT count(*) FROM connector_heartbeat_log WHERE endpoint_identity = ${identity}) AS n`).pipe(
      Effect.map((rows) => Number(rows[0]?.n ?? 0)),
      Effect.orDie
    )

const pathsOf = (body: unknown) => (field(body, "issues") as ReadonlyArray<{ readonly path: string }>).map((i) => i.path)

layer(Hub, { excludeTestServices: true, timeout: 120_000 })("heartbeat limits", (it) => {
  it.effect("a NUL, an over-long string, a bad connector_type or an out-of-range number is a 400 naming its path", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const id = "refused"
      const flags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, true]))
      // [where the value goes, the value, the path the answer must name (when not the same)]
      const cases: ReadonlyArray<readonly [string, unknown, string?]> = [
        ["connector.connector_type", "sand\u0000box"],
        ["connector.connector_type", "Sandbox"],
        ["connector.connector_type", "a".repeat(65)],
        ["connector.connector_type", "bad/type"],
        ["connector.endpoint_identity", "x".repeat(257)],
        ["connector.version", "1\u00000"],
        ["connector.version", "v".repeat(MAX_VERSION_BYTES + 1)],
        ["status.error_message", "boom\u0000"],
        ["status.error_message", "e".repeat(MAX_ERROR_MESSAGE_BYTES + 1)],
        ["status.uptime_s", MAX_UPTIME_S + 1],
        ["checkpoint.cursor", "offset\u000042"],
        ["checkpoint.cursor", "c".repeat(MAX_CURSOR_BYTES + 1)],
        ["capabilities", { "poll\u0000ing": true }, "capabilities.poll\u0000ing"],
        ["capabilities", { ["k".repeat(65)]: true }, `capabilities.${"k".repeat(64)}`],
        ["capabilities", flags(MAX_CAPABILITIES + 1)],
        ["capabilities", { polling: "yes" }],
        ["counters.messages_ingested", MAX_COUNTER + 1],
        ["counters.dedupe_accepted", Number.MAX_SAFE_INTEGER]
      ]
      for (const [where, value, named = where] of cases) {
        const res = yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, variant(id, where, value))
        assert.strictEqual(res.status, 400, `${JSON.stringify(named)}: ${JSON.stringify(res.body)}`)
        assert.strictEqual(field(res.body, "_tag"), "ValidationError")
        const paths = pathsOf(res.body)
        assert.isTrue(paths.some((p) => p.startsWith(named)), `${JSON.stringify(named)} in ${JSON.stringify(paths)}`)
      }
      assert.strictEqual(yield* stored(id), 0, "nothing of a refused heartbeat is stored")
    }))

  it.effect("a lone surrogate or a number beyond a double (1e400) in the JSON text is a 400 naming its path", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const id = "refused-text"
      const text = JSON.stringify(heartbeat(id))
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["connector.endpoint_identity", text.replace(`"${id}"`, `"${id}\\ud800"`)],
        ["checkpoint.cursor", text.replace(`"c-1"`, `"c-1\\udfff"`)],
        ["capabilities.\ud800", text.replace(`"polling"`, `"\\ud800"`)],
        ["status.uptime_s", text.replace(`"uptime_s":10`, `"uptime_s":1e400`)],
        ["counters.messages_ingested", text.replace(`"messages_ingested":1`, `"messages_ingested":1e400`)]
      ]
      for (const [path, body] of cases) {
        assert.notStrictEqual(body, text, path)
        const res = yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, body)
        assert.strictEqual(res.status, 400, `${path}: ${JSON.stringify(res.body)}`)
        assert.include(pathsOf(res.body), path)
      }
      assert.strictEqual(yield* stored(id), 0)
    }))

  it.effect("timestamps Postgres cannot store as meant (2026-02-30, year 0000, offset +16:00) are 400s in sent_at and checkpoint.updated_at", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const id = "refused-time"
      for (const bad of ["2026-02-30T10:00:00Z", "0000-06-01T10:00:00Z", "2026-11-22T10:00:00+16:00"]) {
        for (const path of ["sent_at", "checkpoint.updated_at"]) {
          const res = yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, variant(id, path, bad))
          assert.strictEqual(res.status, 400, `${path} ${bad}: ${JSON.stringify(res.body)}`)
          assert.deepStrictEqual(pathsOf(res.body), [path])
        }
      }
      assert.strictEqual(yield* stored(id), 0)
    }))

  it.effect("values at their bounds are stored exactly as sent and read back unchanged, a \"__proto__\" capability included", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const identity = "é".repeat(128) // 256 bytes of UTF-8: the bound, and longer than the router's default 100
      const errorMessage = "ü".repeat(MAX_ERROR_MESSAGE_BYTES / 2)
      const cursor = "𝄞".repeat(MAX_CURSOR_BYTES / 4)
      const version = "v".repeat(MAX_VERSION_BYTES)
      const capabilities = JSON.parse(
        `{"__proto__":true,${Array.from({ length: MAX_CAPABILITIES - 1 }, (_, i) => `"${"k".repeat(60)}${i}":${i % 2 === 0}`).join(",")}}`
      ) as Record<string, boolean>
      const body = {
        ...heartbeat(identity),
        connector: { connector_type: "sandbox", endpoint_identity: identity, instance_id: INSTANCE, version },
        status: { state: "degraded", error_message: errorMessage, uptime_s: MAX_UPTIME_S },
        counters: { ...heartbeat(identity).counters, messages_ingested: MAX_COUNTER },
        checkpoint: { cursor, updated_at: "2026-11-22T10:29:00Z" },
        capabilities
      }
      const res = yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, body)
      assert.strictEqual(res.status, 202, JSON.stringify(res.body))
      const detail = yield* request(`${hub.url}/api/connectors/sandbox/${encodeURIComponent(identity)}`, {
        headers: { authorization: `Bearer ${hub.token}` }
      })
      assert.strictEqual(detail.status, 200, JSON.stringify(detail.body))
      const data = field(detail.body, "data") as Record<string, unknown>
      assert.strictEqual(data["endpoint_identity"], identity)
      assert.strictEqual(data["version"], version)
      assert.strictEqual(data["error_message"], errorMessage)
      assert.strictEqual(data["uptime_s"], MAX_UPTIME_S)
      assert.deepStrictEqual(data["checkpoint"], { cursor, updated_at: "2026-11-22T10:29:00.000Z" })
      assert.strictEqual(field(data["counters"], "messages_ingested"), MAX_COUNTER)
      const back = data["capabilities"] as Record<string, boolean>
      assert.deepStrictEqual(Object.keys(back).sort(), Object.keys(capabilities).sort())
      assert.isTrue(Object.prototype.hasOwnProperty.call(back, "__proto__") && back["__proto__"] === true)
    }))
})
