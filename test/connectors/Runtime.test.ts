import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Ref, TestClock } from "effect"
import * as MemoryCheckpointStore from "../../layers/CheckpointStore/MemoryCheckpointStore.js"
import { CursorExpired, SourceTransient, SourceUnauthorized } from "../../services/SourceConnector.js"
import { capturingLogs } from "./Fakes.js"
import { advanceUntil, build, savedNext, stop } from "./Harness.js"

const accept = () => "accept" as const

describe("connector runtime", () => {
  it.effect("saves the checkpoint at the end once all is handled; rejects are dead-lettered and counted, skips counted", () =>
    Effect.gen(function*() {
      const { letters, runtime, store } = yield* build({
        hub: [(id) => (id === "3" ? "reject" : "accept")],
        source: { total: 10, batchSize: 4, skip: (n) => n === 5 }
      })
      const fiber = yield* Effect.fork(runtime.run)
      assert.isTrue(yield* advanceUntil(Effect.map(savedNext(store), (n) => n === 10)))
      const snapshot = yield* runtime.state.snapshot
      assert.strictEqual(snapshot.counters.messages_ingested, 8)
      assert.strictEqual(snapshot.counters.messages_failed, 1)
      assert.strictEqual(snapshot.counters.checkpoint_saves, 3)
      assert.deepStrictEqual(snapshot.skipped, { "unsupported kind": 1 })
      const dead = yield* letters.list
      assert.deepStrictEqual(dead.map((d) => d.reason), ["ValidationError"])
      assert.deepStrictEqual(dead.map((d) => (d.envelope as { event: { external_event_id: string } }).event.external_event_id), ["3"])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a hub outage holds the checkpoint back, degrades health after 3 failures, and loses nothing", () =>
    Effect.gen(function*() {
      const { hub, runtime, store } = yield* build({
        hub: [(id, attempt) => (id === "2" && attempt < 4 ? "unavailable" : "accept")],
        source: { total: 6, batchSize: 6 },
        options: { maxInflight: 1 }
      })
      const fiber = yield* Effect.fork(runtime.run)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* savedNext(store), -1)
      assert.strictEqual((yield* runtime.state.snapshot).health.state, "degraded")
      assert.isTrue(yield* advanceUntil(Effect.map(savedNext(store), (n) => n === 6)))
      assert.strictEqual((yield* runtime.state.snapshot).health.state, "healthy")
      const accepted = (yield* Ref.get(hub.state)).accepted
      assert.deepStrictEqual([...accepted.keys()].sort(), ["0", "1", "2", "3", "4", "5"])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("three transient fetch failures in a row turn health degraded; the next success heals it", () =>
    Effect.gen(function*() {
      const { runtime, source, store } = yield* build({
        hub: [accept],
        source: { total: 3, batchSize: 3, failure: (n) => (n < 3 ? Option.some(new SourceTransient({ message: "502" })) : Option.none()) }
      })
      const fiber = yield* Effect.fork(runtime.run)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Ref.get(source.fetches), 2)
      assert.strictEqual((yield* runtime.state.snapshot).health.state, "healthy")
      yield* TestClock.adjust("1200 millis")
      assert.strictEqual(yield* Ref.get(source.fetches), 3)
      assert.strictEqual((yield* runtime.state.snapshot).health.state, "degraded")
      assert.isTrue(yield* advanceUntil(Effect.map(savedNext(store), (n) => n === 3)))
      assert.strictEqual((yield* runtime.state.snapshot).health.state, "healthy")
      assert.strictEqual((yield* runtime.state.snapshot).counters.source_api_calls, yield* Ref.get(source.fetches))
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("source unauthorized stops polling and sets health error, while heartbeats go on", () =>
    Effect.gen(function*() {
      const { hub, runtime, source } = yield* build({
        hub: [accept],
        source: { total: 3, batchSize: 3, failure: () => Option.some(new SourceUnauthorized({ message: "401 token revoked" })) },
        options: { heartbeatInterval: Option.some(Duration.seconds(30)) }
      })
      const fiber = yield* Effect.fork(runtime.run)
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual(yield* Ref.get(source.fetches), 1)
      const beats = (yield* Ref.get(hub.state)).heartbeats
      assert.strictEqual(beats.length, 11)
      assert.strictEqual(beats[beats.length - 1]?.status.state, "error")
      assert.include(beats[beats.length - 1]?.status.error_message ?? "", "token revoked")
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("an expired cursor is reset to where the source says, counted, and polling goes on from there", () =>
    Effect.gen(function*() {
      const { hub, runtime, store } = yield* build({
        hub: [accept],
        source: {
          total: 10,
          batchSize: 2,
          failure: (n) => (n === 1 ? Option.some(new CursorExpired({ message: "404 historyId", resetTo: { next: 7 } })) : Option.none())
        }
      })
      const fiber = yield* Effect.fork(runtime.run)
      assert.isTrue(yield* advanceUntil(Effect.map(savedNext(store), (n) => n === 10)))
      assert.strictEqual((yield* runtime.state.snapshot).cursorResets, 1)
      assert.deepStrictEqual([...(yield* Ref.get(hub.state)).accepted.keys()], ["0", "1", "7", "8", "9"])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a checkpoint of the wrong shape is logged as an error naming it and ignored", () =>
    Effect.gen(function*() {
      const store = yield* MemoryCheckpointStore.make(Option.some({ last_update_id: 5 }))
      const { runtime } = yield* build({ hub: [accept], source: { total: 2, batchSize: 2 }, store })
      const [, logs] = yield* capturingLogs(runtime.start)
      const errors = logs.filter((l) => l.level === "ERROR")
      assert.strictEqual(errors.length, 1)
      assert.include(errors[0]?.message ?? "", "memory")
      assert.isTrue(Option.isNone(yield* Ref.get(runtime.position)))
    }))
})

describe("shutdown (SIGTERM / SIGINT)", () => {
  it.effect("interruption lets the current batch finish and saves its checkpoint", () =>
    Effect.gen(function*() {
      const { runtime, store } = yield* build({
        hub: [accept, { latency: () => Duration.seconds(5) }],
        source: { total: 8, batchSize: 8 }
      })
      const fiber = yield* Effect.fork(runtime.run)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* savedNext(store), -1)
      const exit = yield* stop(fiber, "5 seconds")
      assert.isTrue(exit._tag === "Failure")
      assert.strictEqual(yield* savedNext(store), 8)
    }))

  it.effect("with the hub down, the accepted prefix is saved when the grace period runs out", () =>
    Effect.gen(function*() {
      // one batch of 250 goes out as IngestBatch calls of 100, 100 and 50; the second never gets through
      const { runtime, store } = yield* build({
        hub: [(id) => (id === "150" ? "unavailable" : "accept")],
        source: { total: 250, batchSize: 250 },
        options: { maxInflight: 8, shutdownGrace: Duration.seconds(10) }
      })
      const fiber = yield* Effect.fork(runtime.run)
      yield* TestClock.adjust("1 second")
      yield* Fiber.interruptFork(fiber)
      yield* TestClock.adjust("9 seconds")
      assert.strictEqual(yield* savedNext(store), -1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.await(fiber)
      assert.strictEqual(yield* savedNext(store), 100)
    }))
})

describe("heartbeats", () => {
  it.effect("the first goes out at start, then one per interval, with the runtime's counters", () =>
    Effect.gen(function*() {
      const { hub, runtime } = yield* build({
        hub: [accept],
        source: { total: 3, batchSize: 3 },
        options: { heartbeatInterval: Option.some(Duration.seconds(60)) }
      })
      const fiber = yield* Effect.fork(runtime.run)
      yield* TestClock.adjust("1 millis")
      const beats = () => Effect.map(Ref.get(hub.state), (s) => s.heartbeats)
      assert.strictEqual((yield* beats()).length, 1)
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual((yield* beats()).length, 1)
      yield* TestClock.adjust("1 second")
      const all = yield* beats()
      assert.strictEqual(all.length, 2)
      const last = all[1]!
      assert.strictEqual(last.connector.connector_type, "sandbox")
      assert.strictEqual(last.status.uptime_s, 60)
      assert.deepStrictEqual(last.counters, {
        messages_ingested: 3,
        messages_failed: 0,
        source_api_calls: (yield* runtime.state.snapshot).counters.source_api_calls,
        checkpoint_saves: 1,
        dedupe_accepted: 0
      })
      assert.strictEqual(last.checkpoint?.cursor, "{\"next\":3}")
      assert.strictEqual(all[0]?.connector.instance_id, last.connector.instance_id)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a hub without the Heartbeat RPC is logged once and ingestion goes on", () =>
    Effect.gen(function*() {
      const { runtime, store } = yield* build({
        hub: [accept, { heartbeat: "unsupported" }],
        source: { total: 4, batchSize: 2 },
        options: { heartbeatInterval: Option.some(Duration.seconds(30)) }
      })
      const [, logs] = yield* capturingLogs(Effect.gen(function*() {
        const fiber = yield* Effect.fork(runtime.run)
        yield* TestClock.adjust("3 minutes")
        yield* Fiber.interrupt(fiber)
      }))
      assert.strictEqual(logs.filter((l) => l.message.includes("hub supports them")).length, 1)
      assert.strictEqual(yield* savedNext(store), 4)
    }))

  it.effect("failing heartbeats never block ingestion", () =>
    Effect.gen(function*() {
      const { runtime, store } = yield* build({
        hub: [accept, { heartbeat: "unavailable" }],
        source: { total: 4, batchSize: 2 },
        options: { heartbeatInterval: Option.some(Duration.seconds(30)) }
      })
      const fiber = yield* Effect.fork(runtime.run)
      assert.isTrue(yield* advanceUntil(Effect.map(savedNext(store), (n) => n === 4)))
      yield* Fiber.interrupt(fiber)
    }))
})
