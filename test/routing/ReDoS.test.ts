/**
 * A route with a catastrophically backtracking pattern cannot freeze the hub: patterns run on RE2
 * (linear time). Before, `(a+)+$` against 31 a's and "!" held the event loop for ~23 s per text, /health
 * included.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Either, Redacted, Schedule } from "effect"
import { compilePattern, MAX_PATTERN_LENGTH, MAX_PROGRAM_SIZE } from "../../src/routing/Rules.js"
import { RoutingStore } from "../../services/RoutingStore.js"
import { sample } from "../support/Fixtures.js"
import { field, postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"

const evil = `${"a".repeat(31)}!`

describe("text patterns", () => {
  it("match with RE2 semantics, refusing what RE2 cannot do with a message naming it", () => {
    const p = compilePattern("(a+)+$", false)
    assert.isTrue(Either.isRight(p))
    if (Either.isRight(p)) {
      assert.isFalse(p.right.test(evil))
      assert.isTrue(p.right.test("aaa"))
    }
    const ci = compilePattern("invoice|receipt", true)
    assert.isTrue(Either.isRight(ci) && ci.right.test("Your INVOICE"))
    const back = compilePattern("(a)\\1", false)
    assert.isTrue(Either.isLeft(back) && back.left.includes("\\1"))
    const look = compilePattern("(?=a)", false)
    assert.isTrue(Either.isLeft(look) && look.left.includes("(?="))
    const long = compilePattern("a".repeat(MAX_PATTERN_LENGTH + 1), false)
    assert.isTrue(Either.isLeft(long) && long.left.includes(`at most ${MAX_PATTERN_LENGTH}`))
    // Short to write, but thousands of instructions: matching time grows with the program, so it is refused.
    const complex = compilePattern("(?:a|b|ab|ba){1,1000}\\d", false)
    assert.isTrue(Either.isLeft(complex) && complex.left.includes(`at most ${MAX_PROGRAM_SIZE}`))
  })
})

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("a backtracking route pattern", (it) => {
  it.effect("texts that would backtrack catastrophically are routed while /health keeps answering", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const routing = yield* RoutingStore
      yield* routing.addTarget({ name: "redos", url: "http://127.0.0.1:9/unused", secret: Redacted.make(`whsec_${Buffer.alloc(32, 7).toString("base64")}`) })
      yield* routing.addRule({
        priority: 1, channel: null, provider: null, endpoint_identity: null, sender_identity: null,
        text_pattern: "(a+)+$", ignore_case: false, stop: false, target: "redos"
      })
      const routedTo = (id: string, text: string) =>
        postJson(`${hub.url}/api/ingest`, hub.token, { ...sample(id), payload: { raw: null, normalized_text: text } })
      // The router refreshes its table on a schedule: wait until the rule routes a matching text, so the
      // evil texts below really run through the pattern.
      let probe = 0
      yield* Effect.suspend(() => routedTo(`redos-probe-${probe++}`, "aaa")).pipe(
        Effect.flatMap((res) =>
          Effect.flatMap(SqlClient.SqlClient, (sql) =>
            sql<{ n: number }>`SELECT count(*)::int AS n FROM delivery_outbox WHERE target = 'redos'
              AND request_id = ${String(field(res.body, "request_id"))}`)),
        Effect.orDie,
        Effect.filterOrFail((rows) => rows[0]?.n === 1, () => "not routed yet"),
        Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("20 seconds")))
      )
      const [texts, health] = yield* Effect.all([
        Effect.forEach(Array.from({ length: 20 }, (_, i) => i), (i) => routedTo(`redos-${i}`, evil), { concurrency: 4 }),
        Effect.forEach(Array.from({ length: 20 }, (_, i) => i), () => request(`${hub.url}/health`), { concurrency: 4 })
      ], { concurrency: "unbounded" })
      for (const t of texts) assert.strictEqual(t.status, 202)
      for (const h of health) assert.strictEqual(h.status, 200)
      // And the answer is right: "(a+)+$" does not match 31 a's followed by "!".
      const ids = texts.map((t) => String(field(t.body, "request_id")))
      const routed = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ n: number }>`SELECT count(*)::int AS n FROM delivery_outbox WHERE target = 'redos'
          AND request_id = ANY(${ids}::uuid[])`).pipe(Effect.orDie)
      assert.strictEqual(routed[0]?.n, 0)
    }))
})
