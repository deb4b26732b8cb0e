/**
 * Admission control as a client meets it: when the hub already holds its limit of submissions in flight
 * (here 1, held by a submission stuck on a frozen database), the next one is answered at once with 429
 * Overloaded and Retry-After, not queued.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { sample } from "../support/Fixtures.js"
import { field, postJson } from "../support/Http.js"
import * as ProxyHub from "../support/ProxyHub.js"
import * as TestHub from "../support/TestHub.js"

layer(ProxyHub.layer({ ...TestHub.testConfig, maxInflight: 1 }), { excludeTestServices: true, timeout: 120_000 })(
  "overloaded",
  (it) => {
    it.effect("a submission beyond the in-flight limit is answered 429 Overloaded with Retry-After", () =>
      Effect.gen(function*() {
        const hub = yield* TestHub.TestHub
        const proxy = yield* ProxyHub.Proxy
        const ingest = (id: string) => postJson(`${hub.url}/api/ingest`, hub.token, sample(id))
        // Warm the pool and the token cache, then freeze: whichever submission takes the one permit holds it.
        assert.strictEqual((yield* ingest("over-0")).status, 202)
        yield* proxy.freeze
        const answers = yield* Effect.all([ingest("over-1"), ingest("over-2")], { concurrency: "unbounded" })
        const statuses = answers.map((a) => a.status).sort()
        assert.deepStrictEqual(statuses, [429, 503])
        const overloaded = answers.find((a) => a.status === 429)!
        assert.strictEqual(field(overloaded.body, "_tag"), "Overloaded")
        assert.strictEqual(overloaded.headers.get("retry-after"), "1")
        assert.include(String(field(overloaded.body, "message")), "in flight")
        yield* proxy.restore
        const back = yield* ingest("over-1").pipe(
          Effect.filterOrFail((r) => r.status === 202, () => "not yet" as const),
          Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("30 seconds")))
        )
        assert.strictEqual(back.status, 202)
      }))
  }
)
