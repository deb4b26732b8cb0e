import { assert, describe, it } from "@effect/vitest"
import { Clock, ConfigProvider, Duration, Effect, Fiber, Option, Ref, TestClock } from "effect"
import { connectorConfig } from "../../services/ConnectorConfig.js"
import { SourceRateLimited, SourceTransient } from "../../services/SourceConnector.js"
import { IngestUnavailable } from "../../services/SwitchboardClient.js"
import * as Policies from "../../src/policies.js"

/** Runs `fail` under `schedule` until it has been attempted `attempts` times; answers the attempt times (ms). */
const attemptTimes = <E>(
  errors: (attempt: number) => E,
  attempts: number,
  retry: (effect: Effect.Effect<never, E>) => Effect.Effect<never, E>,
  horizon: Duration.DurationInput
) =>
  Effect.gen(function*() {
    const times = yield* Ref.make<ReadonlyArray<number>>([])
    const attempt = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const n = (yield* Ref.updateAndGet(times, (ts) => [...ts, now])).length
      return yield* Effect.fail(errors(n - 1))
    })
    const fiber = yield* Effect.fork(retry(attempt))
    yield* TestClock.adjust(horizon)
    yield* Fiber.interrupt(fiber)
    const all = yield* Ref.get(times)
    return all.slice(0, attempts)
  })

const gaps = (times: ReadonlyArray<number>) => times.slice(1).map((t, i) => t - (times[i] ?? 0))

describe("retry policies under TestClock", () => {
  it.effect("transient source failures back off from 0.5 s, doubling, jittered ±20 %, capped at 60 s", () =>
    Effect.gen(function*() {
      const times = yield* attemptTimes(
        () => new SourceTransient({ message: "503" }),
        14,
        (e) => Effect.retry(e, Policies.sourceRetry),
        "10 minutes"
      )
      assert.strictEqual(times.length, 14)
      gaps(times).forEach((gap, k) => {
        const nominal = 500 * 2 ** k
        assert.isAtLeast(gap, Math.min(0.8 * nominal, 0.8 * 64_000), `gap ${k}`)
        assert.isAtMost(gap, Math.min(1.2 * nominal, 60_000), `gap ${k}`)
      })
      assert.isAtMost(Math.max(...gaps(times)), 60_000)
    }))

  it.effect("a source 429 waits exactly its retry-after plus at most 10 % jitter", () =>
    Effect.gen(function*() {
      const times = yield* attemptTimes(
        () => new SourceRateLimited({ message: "429", retryAfter: Duration.seconds(7) }),
        4,
        (e) => Effect.retry(e, Policies.sourceRetry),
        "25 seconds"
      )
      for (const gap of gaps(times)) {
        assert.isAtLeast(gap, 7_000)
        assert.isAtMost(gap, 7_700)
      }
    }))

  it.effect("a rate limit in the middle of transient failures is honoured, then backoff resumes", () =>
    Effect.gen(function*() {
      const times = yield* attemptTimes(
        (n) =>
          n === 1
            ? new SourceRateLimited({ message: "429", retryAfter: Duration.seconds(20) })
            : new SourceTransient({ message: "reset" }),
        4,
        (e) => Effect.retry(e, Policies.sourceRetry),
        "25 seconds"
      )
      const [first, second, third] = gaps(times)
      assert.isAtMost(first ?? 0, 600)
      assert.isAtLeast(second ?? 0, 20_000)
      assert.isAtMost(second ?? 0, 22_000)
      assert.isAtMost(third ?? 0, 2_400)
    }))

  it.effect("hub Retry-After is honoured; without one the hub backoff applies", () =>
    Effect.gen(function*() {
      const withHint = yield* attemptTimes(
        () => new IngestUnavailable({ message: "503", retryAfter: Option.some(Duration.seconds(2)) }),
        3,
        (e) => Effect.retry(e, Policies.ingestRetry),
        "5 seconds"
      )
      for (const gap of gaps(withHint)) {
        assert.isAtLeast(gap, 2_000)
        assert.isAtMost(gap, 2_200)
      }
      const without = yield* attemptTimes(
        () => new IngestUnavailable({ message: "reset", retryAfter: Option.none() }),
        3,
        (e) => Effect.retry(e, Policies.ingestRetry),
        "3 seconds"
      )
      const [a, b] = gaps(without)
      assert.isAtLeast(a ?? 0, 400)
      assert.isAtMost(a ?? 0, 600)
      assert.isAtLeast(b ?? 0, 800)
      assert.isAtMost(b ?? 0, 1_200)
    }))

  it.effect("the poll schedule asks again at once after a batch and waits the interval after an empty poll", () =>
    Effect.gen(function*() {
      const found = [true, true, false, true, false]
      const times = yield* Ref.make<ReadonlyArray<number>>([])
      const poll = Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const n = (yield* Ref.updateAndGet(times, (ts) => [...ts, now])).length
        return { found: found[n - 1] ?? false }
      })
      const fiber = yield* Effect.fork(Effect.repeat(poll, Policies.pollSchedule("3 seconds")))
      yield* TestClock.adjust("7 seconds")
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual((yield* Ref.get(times)).slice(0, 6), [0, 0, 0, 3_000, 3_000, 6_000])
    }))
})

describe("connector configuration", () => {
  const read = (env: Record<string, string>) =>
    Effect.withConfigProvider(
      connectorConfig({ connectorType: "sandbox", channel: "sandbox", provider: "sandbox", hostedWith: [] }),
      ConfigProvider.fromMap(new Map(Object.entries(env)))
    )
  const required = { CONNECTOR_ENDPOINT_IDENTITY: "bot", CONNECTOR_CURSOR_PATH: "/tmp/c.json" }

  it.effect("defaults follow DESIGN.md §8", () =>
    Effect.gen(function*() {
      const c = yield* read(required)
      assert.strictEqual(c.maxInflight, 8)
      assert.strictEqual(Duration.toSeconds(c.heartbeatInterval), 120)
      assert.strictEqual(Duration.toSeconds(c.pollInterval), 1)
      assert.strictEqual(c.blobStoreDir, ".blobs")
      assert.isTrue(c.heartbeatEnabled)
      assert.isTrue(Option.isNone(c.webhookUrl))
      assert.strictEqual(c.deadLetterPath, "/tmp/c.json.dead-letter.ndjson")
    }))

  it.effect("the heartbeat interval is clamped to 30–300 s", () =>
    Effect.gen(function*() {
      const low = yield* read({ ...required, CONNECTOR_HEARTBEAT_INTERVAL_S: "5" })
      const high = yield* read({ ...required, CONNECTOR_HEARTBEAT_INTERVAL_S: "9000" })
      assert.strictEqual(Duration.toSeconds(low.heartbeatInterval), 30)
      assert.strictEqual(Duration.toSeconds(high.heartbeatInterval), 300)
    }))

  it.effect("a missing required variable fails naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(read({ CONNECTOR_ENDPOINT_IDENTITY: "bot" }))
      assert.include(String(error), "CONNECTOR_CURSOR_PATH")
      assert.notInclude(String(error), "CONNECTOR_ENDPOINT_IDENTITY")
    }))

  it.effect("a bad CONNECTOR_MAX_INFLIGHT fails naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(read({ ...required, CONNECTOR_MAX_INFLIGHT: "0" }))
      assert.include(String(error), "CONNECTOR_MAX_INFLIGHT")
    }))
})
