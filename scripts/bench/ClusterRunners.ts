/**
 * Hubs as cluster runners for `npm run bench:cluster`: started with Processes.startServer (log file, wait
 * for /ready), each on its own runner port over the bench database; their `/ready` cluster state read; a
 * runner killed with -9 by pid; waiting until the cluster settled (each singleton on one runner, nothing
 * moving) and until a singleton reappears on another runner.
 */
import { Command, FileSystem } from "@effect/platform"
import { Duration, Effect, Option, Schedule, Schema } from "effect"
import * as Path from "node:path"
import * as RunnerPorts from "../../test/support/RunnerPorts.js"
import type { BenchDatabase } from "./BenchDatabase.js"
import * as Processes from "./Processes.js"

const hubRoot = Path.resolve(process.env["BENCH_HUB_DIR"] ?? Path.resolve(import.meta.dirname, "../.."))
const switchboard = Path.join(hubRoot, "scripts/switchboard")

const Ready = Schema.parseJson(Schema.Struct({
  cluster: Schema.Struct({ runner: Schema.String, singletons: Schema.Array(Schema.String), shards: Schema.Number })
}))
const decodeReady = Schema.decodeUnknownOption(Ready)

export interface Runner {
  readonly name: string
  readonly url: string
  readonly pid: number
  readonly runnerPort: number
}

export interface LockSettings {
  /** SWITCHBOARD_CLUSTER_LOCK_REFRESH_S / _EXPIRY_S; None: the hub's defaults. */
  readonly refreshS: Option.Option<number>
  readonly expiryS: Option.Option<number>
}

export interface RunnerOptions {
  readonly db: BenchDatabase
  readonly poolSize: number
  readonly logDir: string
  readonly locks: LockSettings
  /** More environment (hosted connectors). */
  readonly env?: Record<string, string>
}

export type Ports = RunnerPorts.Ports

/** Runner ports handed out in order from [from, to]. */
export const ports = RunnerPorts.range

/** The next free port of `range`. */
const takePort = (range: Ports) =>
  Effect.mapError(RunnerPorts.take(range), (e) => new Processes.BenchFailed({ message: e.message }))

const startOn = (o: RunnerOptions, name: string, runnerPort: number) =>
  Processes.startServer(
    Command.make(switchboard, "serve").pipe(Command.workingDirectory(hubRoot)),
    {
      DATABASE_URL: o.db.url,
      SWITCHBOARD_HOST: "127.0.0.1",
      SWITCHBOARD_DEV_TOKEN: "false",
      SWITCHBOARD_DB_POOL_SIZE: String(o.poolSize),
      SWITCHBOARD_CLUSTER: "true",
      SWITCHBOARD_RUNNER_ADDRESS: "127.0.0.1",
      SWITCHBOARD_RUNNER_PORT: String(runnerPort),
      ...Option.match(o.locks.refreshS, { onNone: () => ({}), onSome: (s) => ({ SWITCHBOARD_CLUSTER_LOCK_REFRESH_S: String(s) }) }),
      ...Option.match(o.locks.expiryS, { onNone: () => ({}), onSome: (s) => ({ SWITCHBOARD_CLUSTER_LOCK_EXPIRY_S: String(s) }) }),
      ...o.env
    },
    "/ready",
    Path.join(o.logDir, `${name}.log`)
  ).pipe(Effect.map((server): Runner => ({ name, url: server.url, pid: server.pid, runnerPort })))

/** The runner socket's port was taken after the check: its log says SocketServerError. */
const portTaken = (o: RunnerOptions, name: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(Path.join(o.logDir, `${name}.log`))).pipe(
    Effect.map((log) => /SocketServerError/.test(log)),
    Effect.orElseSucceed(() => false)
  )

/** Starts one runner on the next free port of `range` (alive until the caller's scope closes) and waits until /ready answers. */
export const start = (o: RunnerOptions, name: string, range: Ports) =>
  Effect.flatMap(takePort(range), (port) => startOn(o, name, port)).pipe(
    Effect.retry({ times: 5, while: () => portTaken(o, name) })
  )

/** Starts runners one after another (a first start creates the cluster's tables). */
export const startAll = (o: RunnerOptions, names: ReadonlyArray<string>, range: Ports) =>
  Effect.forEach(names, (name) => start(o, name, range))

/** The singletons a runner lists in /ready and its shards; None when it did not answer. */
export const state = (runner: Runner) =>
  Effect.tryPromise(async (signal) => {
    const res = await fetch(`${runner.url}/ready`, { signal: AbortSignal.any([signal, AbortSignal.timeout(1500)]) })
    return res.status === 200 ? Option.some(await res.text()) : Option.none<string>()
  }).pipe(
    Effect.map(Option.flatMap(decodeReady)),
    Effect.map(Option.map((r) => r.cluster)),
    Effect.orElseSucceed(() => Option.none<{ readonly runner: string; readonly singletons: ReadonlyArray<string>; readonly shards: number }>())
  )

/** Every runner's state, read at once. */
export const states = (runners: ReadonlyArray<Runner>) => Effect.forEach(runners, state, { concurrency: "unbounded" })

/** The runners listing `singleton` now. */
export const holders = (runners: ReadonlyArray<Runner>, singleton: string) =>
  Effect.map(states(runners), (all) => runners.filter((_, i) => Option.exists(all[i]!, (s) => s.singletons.includes(singleton))))

/** kill -9 by pid. */
export const kill9 = (runner: Runner) =>
  Effect.sync(() => {
    try {
      process.kill(runner.pid, "SIGKILL")
    } catch {
      // already gone
    }
  })

/** Milliseconds from `since` until one of `runners` lists `singleton` (polled every 50 ms; gives up after `limit`). */
export const reappears = (runners: ReadonlyArray<Runner>, singleton: string, since: number, limit: Duration.DurationInput) =>
  holders(runners, singleton).pipe(
    Effect.filterOrFail((hs) => hs.length > 0),
    Effect.retry(Schedule.spaced("50 millis")),
    Effect.map(() => Date.now() - since),
    Effect.timeoutFail({
      duration: limit,
      onTimeout: () => new Processes.BenchFailed({ message: `${singleton} did not reappear within ${Duration.format(Duration.decode(limit))}` })
    })
  )

/** Waits until every runner answers, `singleton` is on exactly one, and nothing moved for `settle`. */
export const settled = (runners: ReadonlyArray<Runner>, singleton: string, settle: Duration.Duration, limit: Duration.DurationInput) =>
  Effect.iterate({ last: "", since: Date.now(), done: false }, {
    while: (s) => !s.done,
    body: (s) =>
      Effect.map(states(runners), (all) => {
        const one = all.filter((r) => Option.exists(r, (c) => c.singletons.includes(singleton))).length === 1
        const signature = all.every(Option.isSome) && one
          ? JSON.stringify(all.map((r) => Option.map(r, (c) => [c.singletons, c.shards])))
          : ""
        const now = Date.now()
        return signature === "" || signature !== s.last
          ? { last: signature, since: now, done: false }
          : { ...s, done: now - s.since >= Duration.toMillis(settle) }
      }).pipe(Effect.delay("200 millis"))
  }).pipe(
    Effect.asVoid,
    Effect.timeoutFail({ duration: limit, onTimeout: () => new Processes.BenchFailed({ message: `the cluster did not settle around ${singleton}` }) })
  )
