import { assert, layer } from "@effect/vitest"
import { Clock, Effect, Schedule } from "effect"
import { sample } from "../support/Fixtures.js"
import { field, postJson, request } from "../support/Http.js"
import * as ProxyHub from "../support/ProxyHub.js"
import * as TestHub from "../support/TestHub.js"

const HubLive = ProxyHub.layer()

/** Retries the request until it answers `status` (the hub recovers on its own; the test only waits). */
const eventually = <A>(effect: Effect.Effect<A>, ok: (a: A) => boolean) =>
  effect.pipe(
    Effect.filterOrFail(ok, () => "not yet" as const),
    Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("30 seconds")))
  )

layer(HubLive, { excludeTestServices: true, timeout: 120_000 })("database outage", (it) => {
  it.effect("answers 503 with Retry-After while the database is gone, never hangs, and recovers by itself", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const proxy = yield* ProxyHub.Proxy
      const ingest = (id: string) => postJson(`${hub.url}/api/ingest`, hub.token, sample(id))
      assert.strictEqual((yield* ingest("outage-0")).status, 202)

      yield* proxy.cut
      const down = yield* ingest("outage-1")
      assert.strictEqual(down.status, 503)
      assert.strictEqual(field(down.body, "_tag"), "Unavailable")
      assert.strictEqual(down.headers.get("retry-after"), "2")
      assert.notInclude(JSON.stringify(down.body), "    at ")
      const notReady = yield* request(`${hub.url}/ready`)
      assert.strictEqual(notReady.status, 503)
      assert.strictEqual((yield* request(`${hub.url}/health`)).status, 200)

      yield* proxy.restore
      const back = yield* eventually(ingest("outage-1"), (r) => r.status === 202)
      assert.strictEqual(field(back.body, "duplicate"), false)
      assert.strictEqual((yield* request(`${hub.url}/ready`)).status, 200)
    }))

  it.effect("a database that stops answering gives 503 after the query timeout instead of a hang", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const proxy = yield* ProxyHub.Proxy
      yield* proxy.stall
      const res = yield* postJson(`${hub.url}/api/ingest`, hub.token, sample("stall-1"))
      assert.strictEqual(res.status, 503)
      assert.strictEqual(res.headers.get("retry-after"), "2")
      yield* proxy.restore
      yield* eventually(postJson(`${hub.url}/api/ingest`, hub.token, sample("stall-1")), (r) => r.status === 202)
    }))

  // The promised bounds (5 s per stored submission, 2 s for /ready) plus a margin for a loaded machine:
  // before the fix a frozen database held ingest 16 s and /ready 7 s.
  it.effect("a frozen database: every queued submission and /ready answer 503 within their bounds", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const proxy = yield* ProxyHub.Proxy
      // Warm the pool, so the freeze catches open connections mid-conversation.
      yield* Effect.forEach(Array.from({ length: 16 }, (_, i) => i), (i) =>
        postJson(`${hub.url}/api/ingest`, hub.token, sample(`warm-${i}`)), { concurrency: "unbounded" })
      yield* proxy.freeze
      const timed = <A>(effect: Effect.Effect<A>) =>
        Effect.gen(function*() {
          const start = yield* Clock.currentTimeMillis
          const a = yield* effect
          return [a, (yield* Clock.currentTimeMillis) - start] as const
        })
      // More submissions than group-commit writers, so some wait in the queue behind stuck inserts.
      const [answers, ready] = yield* Effect.all([
        Effect.forEach(
          Array.from({ length: 24 }, (_, i) => i),
          (i) => timed(postJson(`${hub.url}/api/ingest`, hub.token, sample(`frozen-${i}`))),
          { concurrency: "unbounded" }
        ),
        timed(request(`${hub.url}/ready`))
      ], { concurrency: "unbounded" })
      for (const [res, ms] of answers) {
        assert.strictEqual(res.status, 503)
        assert.strictEqual(field(res.body, "_tag"), "Unavailable")
        assert.isBelow(ms, 5_000 + 3_000, "ingest answered within its 5 s bound")
      }
      assert.strictEqual(ready[0].status, 503)
      assert.isBelow(ready[1], 2_000 + 3_000, "/ready answered within its 2 s bound")
      yield* proxy.restore
      yield* eventually(postJson(`${hub.url}/api/ingest`, hub.token, sample("frozen-0")), (r) => r.status === 202)
    }))
})
