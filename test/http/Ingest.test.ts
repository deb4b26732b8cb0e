import { assert, describe, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { envelopes, sample } from "../support/Fixtures.js"
import { field, postJson } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("REST ingest over a real socket", (it) => {
  it.effect("accepts an envelope with 202 and answers a repeat with the same request_id and duplicate: true", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const first = yield* postJson(`${hub.url}/api/ingest`, hub.token, sample("rest-1"))
      const second = yield* postJson(`${hub.url}/api/ingest`, hub.token, sample("rest-1"))
      assert.strictEqual(first.status, 202)
      assert.strictEqual(second.status, 202)
      assert.strictEqual(field(first.body, "status"), "accepted")
      assert.strictEqual(field(first.body, "duplicate"), false)
      assert.strictEqual(field(second.body, "duplicate"), true)
      assert.strictEqual(field(second.body, "request_id"), field(first.body, "request_id"))
      assert.strictEqual(field(first.body, "dedupe_key"), "event:sandbox:sandbox:sandbox-1:rest-1")
    }))

  it.effect("stores every real Telegram fixture exactly once", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const sql = yield* SqlClient.SqlClient
      for (const envelope of envelopes) {
        const res = yield* postJson(`${hub.url}/api/ingest`, hub.token, envelope)
        assert.strictEqual(res.status, 202, JSON.stringify(res.body))
      }
      const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM message_inbox WHERE source_channel = 'telegram'`
      assert.strictEqual(rows[0]?.n, envelopes.length)
    }))
})
