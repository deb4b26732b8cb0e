/**
 * Issue 15, as an operator runs it: three hub processes as cluster runners on one Postgres database,
 * hosting two sandbox sources and a Telegram bot (against the fake Bot API). Every connector runs on
 * exactly one runner at every sample; kill -9 of the runner holding one moves it to another within the
 * fail-over bound; after two kills and a graceful stop, every source event is in the inbox exactly once
 * and every hub-held cursor is at the last accepted event. With three runners starting on a database
 * with buckets never rolled up, each bucket is computed once.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Option, Ref, Schedule } from "effect"
import * as Path from "node:path"
import { DAY_MS, HOUR_MS, truncDay, truncHour } from "../../src/stats/Buckets.js"
import * as GenerateHistory from "../../src/stats/GenerateHistory.js"
import * as FakeTelegram from "../support/FakeTelegram.js"
import * as TestDatabase from "../support/TestDatabase.js"
import * as Cluster from "./support/Cluster.js"
import * as PollWatch from "./support/PollWatch.js"
import * as Sampling from "./support/Sampling.js"
import * as Store from "./support/Store.js"

/** Cluster.clusterEnv's lock refresh and expiry (the contract's test settings). */
const LOCK_REFRESH_S = 1
const LOCK_EXPIRY_S = 4
/**
 * The fail-over bound: lock expiry + refresh, plus 5 s of margin for @effect/cluster's assignment refresh
 * (3 s by default: when the surviving runners look for free shards), the singleton's start and this
 * test's 50 ms polling. Fail-over slower than this is the defect; faster is not asserted.
 */
const BOUND_MS = (LOCK_EXPIRY_S + LOCK_REFRESH_S + 5) * 1000
/** Settled: every singleton on one runner and nothing moving for longer than the assignment refresh. */
const SETTLE = Duration.seconds(4)

const TOTAL = 3000
const BOT = "cluster_bot"
const BOT_TOKEN = "7000015:AAHcluster-test-token-never-logged"
const ALPHA = "connector:sandbox:alpha"
const BETA = "connector:sandbox:beta"
const TELEGRAM = `connector:telegram:${BOT}`
const STATS = "stats:rollups"
const SINGLETONS = [ALPHA, BETA, TELEGRAM, STATS]

const connectorsEnv = (fake: FakeTelegram.FakeTelegramServer, dir: string) => ({
  SWITCHBOARD_CONNECTORS: "sandbox:a,sandbox:b,telegram",
  SANDBOX_A_CONNECTOR_ENDPOINT_IDENTITY: "alpha",
  SANDBOX_B_CONNECTOR_ENDPOINT_IDENTITY: "beta",
  TELEGRAM_CONNECTOR_ENDPOINT_IDENTITY: BOT,
  BUTLER_TELEGRAM_TOKEN: BOT_TOKEN,
  TELEGRAM_API_BASE_URL: fake.url,
  CONNECTOR_BLOB_STORE_DIR: Path.join(dir, "blobs"),
  CONNECTOR_POLL_INTERVAL_S: "0.1",
  CONNECTOR_HEARTBEAT_ENABLED: "false",
  CONNECTOR_SHUTDOWN_GRACE_S: "5",
  SANDBOX_RATE_PER_S: "200",
  SANDBOX_TOTAL: String(TOTAL),
  SANDBOX_BATCH_SIZE: "50"
})

/** Every runner answers /ready with the contract's `cluster` field naming its own runner address. */
const assertClusterReady = (hubs: ReadonlyArray<Cluster.Hub>) =>
  Effect.forEach(hubs, (hub) =>
    Effect.map(Cluster.ready(hub), (r) => {
      const cluster = Option.getOrUndefined(r)?.cluster
      assert.isDefined(cluster, `${hub.name}: /ready has no cluster field (is SWITCHBOARD_CLUSTER implemented?)`)
      assert.strictEqual(cluster?.mode, "cluster")
      assert.strictEqual(cluster?.runner, hub.runner)
    }))

describe("three hub runners on one database", () => {
  it.live("each connector runs on exactly one runner; kill -9 and SIGTERM move it within the bound; every event once, cursors at the last", () =>
    Effect.scoped(Effect.gen(function*() {
      yield* Cluster.prebuild
      const { url } = yield* TestDatabase.freshLocalDatabase
      const db = yield* Layer.build(Store.database(url))
      const dir = yield* Store.runDir("connectors")
      const fake = yield* FakeTelegram.make(BOT_TOKEN)
      const polls = PollWatch.watch(fake)
      const runnerPorts = Cluster.ports(47100, 47149)
      let started = 0
      const startHub = () =>
        Cluster.start({
          name: `hub-${++started}`,
          dir,
          ports: runnerPorts,
          env: (port) => ({ ...Cluster.clusterEnv(url, port), ...connectorsEnv(fake, dir) })
        })

      const hubs = yield* Effect.all([startHub(), startHub(), startHub()], { concurrency: "unbounded" })
      yield* assertClusterReady(hubs)
      const roster = yield* Sampling.watch(hubs)

      // Telegram updates keep arriving while runners come and go.
      const fed = yield* Ref.make(0)
      const feeder = yield* Effect.forkScoped(Effect.repeat(
        Ref.updateAndGet(fed, (n) => n + 2).pipe(Effect.map((n) => fake.push(FakeTelegram.textUpdate(n - 1), FakeTelegram.textUpdate(n)))),
        Schedule.spaced("250 millis")
      ))
      // What the hubs answered their connectors, highest seen per hub: duplicates would be a re-read after a move.
      const answered = new Map<string, { readonly accepted: number; readonly duplicate: number }>()
      const count = (text: string, outcome: string) =>
        ["sandbox", "telegram"].reduce((sum, channel) =>
          sum + Cluster.seriesValue(text, "switchboard_ingest_results_total", { outcome, channel }), 0)
      yield* Effect.forkScoped(Effect.repeat(
        Ref.get(roster.hubs).pipe(Effect.flatMap((live) =>
          Effect.forEach(live, (hub) =>
            Effect.map(Cluster.metrics(hub), Option.map((text) => {
              const before = answered.get(hub.name) ?? { accepted: 0, duplicate: 0 }
              answered.set(hub.name, {
                accepted: Math.max(before.accepted, count(text, "accepted")),
                duplicate: Math.max(before.duplicate, count(text, "duplicate"))
              })
            }))))),
        Schedule.spaced("1 second")
      ))

      const startedAt = yield* Sampling.settled(roster, SINGLETONS, 0, SETTLE)
      const inboxAtLeast = (endpoint: string, n: number) =>
        Store.eventually(`${n} sandbox rows of ${endpoint}`, Effect.map(Store.inbox("sandbox", endpoint), (c) => c.n >= n)).pipe(
          Effect.provide(db)
        )

      /** Stops the runner holding `singleton`; every singleton it ran must reappear on another runner within the bound. */
      const failOver = (signal: "SIGKILL" | "SIGTERM", singleton: string) =>
        Effect.gen(function*() {
          const live = yield* Ref.get(roster.hubs)
          const sample = yield* Sampling.sampleOnce(live)
          const holding = Sampling.holders(sample, singleton)
          assert.strictEqual(holding.length, 1, `${singleton} before ${signal}: on ${holding.join(", ") || "no runner"}`)
          const holder = live.find((h) => h.name === holding[0])!
          const ran = sample.answers.find((a) => a.hub === holder.name)?.singletons ?? []
          const window = yield* Sampling.open(roster, signal === "SIGKILL" ? "kill" : "term")
          const leave = Ref.update(roster.hubs, (hs) => hs.filter((h) => h.name !== holder.name))
          // A killed runner answers nothing; a stopping one stays sampled until it exits (it must not run what it handed over).
          if (signal === "SIGKILL") yield* leave
          const since = Date.now()
          const [exitCode, moves] = yield* Effect.all([
            Effect.tap(Cluster.kill(holder, signal), () => leave),
            Effect.forEach(ran, (s) => Effect.map(Sampling.reappears(roster, s, holder, since), (m) => ({ singleton: s, ...m })), {
              concurrency: "unbounded"
            })
          ], { concurrency: 2 })
          for (const move of moves) {
            assert.notStrictEqual(move.hub, holder.name)
            assert.isAtMost(move.ms, BOUND_MS, `${move.singleton} took ${move.ms} ms to reappear after ${signal} of ${holder.name}`)
          }
          yield* Effect.logInfo(`${signal} ${holder.name} (exit ${exitCode}): ${moves.map((m) => `${m.singleton} → ${m.hub} in ${m.ms} ms`).join("; ")}`)
          return { window, moves }
        })

      /** A replacement runner joins; the cluster rebalances and settles. */
      const join = Effect.gen(function*() {
        const window = yield* Sampling.open(roster, "join")
        const hub = yield* startHub()
        yield* Ref.update(roster.hubs, (hs) => [...hs, hub])
        yield* assertClusterReady([hub])
        return yield* Sampling.settled(roster, SINGLETONS, window.from, SETTLE, window)
      })

      yield* inboxAtLeast("alpha", 400)
      const first = yield* failOver("SIGKILL", ALPHA)
      yield* Sampling.settled(roster, SINGLETONS, first.window.from, SETTLE, first.window)
      yield* join
      yield* inboxAtLeast("alpha", 1400)
      const second = yield* failOver("SIGKILL", BETA)
      yield* Sampling.settled(roster, SINGLETONS, second.window.from, SETTLE, second.window)
      yield* join
      yield* inboxAtLeast("alpha", 2000)
      const graceful = yield* failOver("SIGTERM", ALPHA)
      yield* Sampling.settled(roster, SINGLETONS, graceful.window.from, SETTLE, graceful.window)

      yield* Fiber.interrupt(feeder)
      const updates = yield* Ref.get(fed)
      const drained = Effect.all([
        Store.checkpoint("sandbox", "alpha"),
        Store.checkpoint("sandbox", "beta"),
        Store.checkpoint("telegram", BOT),
        Store.inbox("telegram", BOT)
      ]).pipe(Effect.map(([a, b, t, tg]) =>
        JSON.stringify([Option.map(a, (c) => c.cursor), Option.map(b, (c) => c.cursor), Option.map(t, (c) => c.cursor), tg.n]) ===
          JSON.stringify([Option.some({ next: TOTAL }), Option.some({ next: TOTAL }), Option.some({ last_update_id: updates }), updates])
      ))
      yield* Store.eventually("every source drained and its cursor at the end", drained).pipe(Effect.provide(db))

      const exactlyOnce = (n: number, low: number, high: number): Store.InboxCount => ({ n, ids: n, keys: n, low, high })
      const counts = yield* Effect.all([Store.inbox("sandbox", "alpha"), Store.inbox("sandbox", "beta"), Store.inbox("telegram", BOT)])
        .pipe(Effect.provide(db))
      assert.deepStrictEqual(counts, [exactlyOnce(TOTAL, 0, TOTAL - 1), exactlyOnce(TOTAL, 0, TOTAL - 1), exactlyOnce(updates, 1, updates)])

      const verdict = Sampling.judge(yield* Ref.get(roster.samples), yield* Ref.get(roster.windows), SINGLETONS, startedAt)
      yield* Effect.logInfo(`samples ${verdict.samples}; none inside windows ${JSON.stringify(verdict.noneInWindow)}; unknown ${verdict.unknown}; ` +
        `telegram polls ${polls.polls()}, 409 undelivered ${polls.conflictsUndelivered()}; answered ${JSON.stringify([...answered])}`)
      assert.isAbove(verdict.samples, 100)
      assert.deepStrictEqual(verdict.doubles, [], "a singleton on two runners at once")
      assert.deepStrictEqual(verdict.noneOutside, [], "a singleton on no runner outside a handover")
      assert.strictEqual(polls.overlaps(), 0, "two getUpdates open at once")
      assert.strictEqual(polls.conflictsDelivered(), 0, "409 from the Bot API: two pollers at once")
      const sum = (f: (a: { readonly accepted: number; readonly duplicate: number }) => number) =>
        [...answered.values()].reduce((n, a) => n + f(a), 0)
      assert.isAbove(sum((a) => a.accepted), 0, "the ingest counters were read from /metrics")
      assert.strictEqual(sum((a) => a.duplicate), 0, "a connector re-read events after a move")

      // /metrics names the runner of each hosted connector
      const live = yield* Ref.get(roster.hubs)
      const placed = yield* Sampling.sampleOnce(live)
      const gauges = yield* Effect.forEach(live, (hub) =>
        Effect.map(Cluster.metrics(hub), (text) => ({
          hub: hub.name,
          alpha: Cluster.seriesValue(Option.getOrElse(text, () => ""), "switchboard_cluster_singleton_running", {
            connector_type: "sandbox",
            endpoint_identity: "alpha"
          })
        })))
      assert.deepStrictEqual(gauges, live.map((hub) => ({ hub: hub.name, alpha: Sampling.holders(placed, ALPHA).includes(hub.name) ? 1 : 0 })))
    })), 150_000)

  it.live("three runners starting on a database with buckets never rolled up compute each bucket once", () =>
    Effect.scoped(Effect.gen(function*() {
      yield* Cluster.prebuild
      const { url } = yield* TestDatabase.freshLocalDatabase
      const db = yield* Layer.build(Store.database(url))
      const dir = yield* Store.runDir("rollups")
      const end = Date.now()
      const history = yield* GenerateHistory.generate({ connectors: 10, days: 3, end: new Date(end) }).pipe(Effect.provide(db))
      assert.deepStrictEqual(yield* Store.rollupRuns.pipe(Effect.provide(db)), [])
      const buckets = (from: number, to: number, step: number) =>
        Array.from({ length: Math.max(0, (to - from) / step) }, (_, i) => `${new Date(from + i * step).toISOString()}`)
      const wanted = [
        ...buckets(truncDay(history.start.getTime()), truncDay(end), DAY_MS).map((b) => `daily ${b}`),
        ...buckets(truncHour(history.start.getTime()), truncHour(end), HOUR_MS).map((b) => `hourly ${b}`)
      ]

      const runnerPorts = Cluster.ports(47150, 47199)
      const hubs = yield* Effect.all([1, 2, 3].map((i) =>
        Cluster.start({
          name: `rollup-hub-${i}`,
          dir,
          ports: runnerPorts,
          env: (port) => ({ ...Cluster.clusterEnv(url, port), SWITCHBOARD_CONNECTORS: undefined })
        })), { concurrency: "unbounded" })
      yield* assertClusterReady(hubs)

      const done = Effect.map(Store.rollupRuns, (runs) => {
        const have = new Set(runs.map((r) => `${r.kind} ${r.bucket.toISOString()}`))
        return wanted.every((b) => have.has(b))
      })
      yield* Store.eventually(`${wanted.length} buckets rolled up`, done).pipe(Effect.provide(db))
      // Quiet: the bookkeeping has not changed over three reads a second apart (a runner still computing would change it).
      const fingerprint = Effect.map(Store.rollupRuns, (runs) => JSON.stringify(runs.map((r) => [r.kind, r.bucket, r.computations])))
      yield* Effect.iterate({ last: "", same: 0 }, {
        while: (s) => s.same < 2,
        body: (s) => Effect.delay(Effect.map(fingerprint, (f) => ({ last: f, same: f === s.last ? s.same + 1 : 0 })), "1 second")
      }).pipe(Effect.provide(db), Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error("rollup bookkeeping never went quiet") }), Effect.orDie)
      const runs = yield* Store.rollupRuns.pipe(Effect.provide(db))
      const runners = yield* Effect.forEach(hubs, (hub) => Effect.map(Cluster.ready(hub), (r) => Option.getOrUndefined(r)?.cluster?.runner))
      assert.deepStrictEqual(runs.filter((r) => r.computations !== 1).map((r) => `${r.kind} ${r.bucket.toISOString()} ×${r.computations}`), [])
      assert.isAtLeast(runs.length, wanted.length)
      for (const r of runs) assert.include(runners, r.runner ?? "(none)", `${r.kind} ${r.bucket.toISOString()} computed by an unknown runner`)
      const sample = yield* Sampling.sampleOnce(hubs)
      assert.strictEqual(Sampling.holders(sample, STATS).length, 1, "stats:rollups on exactly one runner")
    })), 90_000)
})
