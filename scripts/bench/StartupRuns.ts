/**
 * One measured start of `npm run bench:startup`: a process spawned, and the moment it is there for its
 * user: exited (a CLI command), answering `GET /ready` 200 (the hub), or calling the Bot API's
 * getUpdates (a connector). Every process is stopped (SIGTERM, waited for) before the next run starts;
 * its output goes to a log file, whose last lines a failure quotes.
 */
import { Command, type CommandExecutor, FileSystem } from "@effect/platform"
import { Deferred, Duration, Effect, Schedule, Stream } from "effect"
import * as Path from "node:path"
import type { FakeTelegramServer } from "../../test/support/FakeTelegram.js"
import { BenchFailed } from "./Processes.js"

const root = Path.resolve(import.meta.dirname, "../..")

/** `scripts/switchboard` from the build, or from the TypeScript sources under tsx (SWITCHBOARD_FROM_SOURCE=1, "before"). */
export type Mode = "build" | "sources"

/** A command line and the environment it adds to the bench's own. */
export interface Spawn {
  readonly args: ReadonlyArray<string>
  readonly env: Record<string, string>
}

/** The switchboard launcher in `mode`; the sources' may be another checkout's (`sourcesRoot`, e.g. one from before the build). */
export const switchboard = (mode: Mode, args: ReadonlyArray<string>, env: Record<string, string> = {}, sourcesRoot = root): Spawn => ({
  args: [Path.join(mode === "sources" ? sourcesRoot : root, "scripts/switchboard"), ...args],
  env: { ...env, SWITCHBOARD_FROM_SOURCE: mode === "sources" ? "1" : "0" }
})

/** The floor: Node starting and exiting with nothing to do. */
export const nodeFloor: Spawn = { args: [process.execPath, "-e", "0"], env: {} }

const tail = (fs: FileSystem.FileSystem, logFile: string) =>
  fs.readFileString(logFile).pipe(
    Effect.map((text) => text.trim().split("\n").slice(-4).join(" | ")),
    Effect.orElseSucceed(() => "")
  )

/** Starts `spawn` with its output going to `logFile`; answers the process and the moment before it was spawned. */
const start = (spawn: Spawn, logFile: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const [file, ...args] = spawn.args
    const command = Command.make(file ?? process.execPath, ...args).pipe(
      Command.workingDirectory(root),
      Command.env({ SWITCHBOARD_LOG_LEVEL: "warn", ...spawn.env })
    )
    const startedAt = performance.now()
    const proc = yield* Command.start(command)
    yield* Stream.merge(proc.stdout, proc.stderr).pipe(Stream.run(fs.sink(logFile)), Effect.forkScoped)
    return { proc, startedAt }
  }).pipe(Effect.catchTag("SystemError", "BadArgument", (e) => new BenchFailed({ message: `${spawn.args.join(" ")}: ${e.message}` })))

/** SIGTERM, then the exit (SIGKILL after 30 s): the next run finds the data directory closed cleanly. */
const stop = (proc: CommandExecutor.Process) =>
  proc.kill("SIGTERM").pipe(
    Effect.zipRight(proc.exitCode),
    Effect.timeout("30 seconds"),
    Effect.catchAll(() => Effect.ignore(proc.kill("SIGKILL")))
  )

/** Milliseconds from spawn to exit; a non-zero exit fails the run. */
export const toExit = (spawn: Spawn, logFile: string) =>
  Effect.scoped(Effect.gen(function*() {
    const { proc, startedAt } = yield* start(spawn, logFile)
    const code = yield* proc.exitCode.pipe(Effect.mapError((e) => new BenchFailed({ message: e.message })))
    const ms = performance.now() - startedAt
    if (code !== 0) {
      const fs = yield* FileSystem.FileSystem
      return yield* new BenchFailed({ message: `${spawn.args.slice(1).join(" ")} exited ${code}: ${yield* tail(fs, logFile)}` })
    }
    return ms
  }))

/** Fails when the process exits before `what` happened. */
const exitFails = (proc: CommandExecutor.Process, what: string, logFile: string): Effect.Effect<never, BenchFailed, FileSystem.FileSystem> =>
  proc.exitCode.pipe(
    Effect.flatMap((code) =>
      Effect.flatMap(FileSystem.FileSystem, (fs) => tail(fs, logFile)).pipe(
        Effect.flatMap((last) => new BenchFailed({ message: `exited ${code} before ${what}: ${last}` }))
      )),
    Effect.catchTags({ SystemError: (e) => new BenchFailed({ message: e.message }), BadArgument: (e) => new BenchFailed({ message: e.message }) })
  )

/**
 * Milliseconds from spawn to the first `GET <url>` answering 200. A probe goes out every 10 ms on its
 * own connection with its own timeout: one sent while the server is still starting may never be
 * answered (EFFECT_NOTES G22), and must not hold back the next.
 */
export const toReady = (spawn: Spawn, url: string, logFile: string) =>
  Effect.scoped(Effect.gen(function*() {
    const { proc, startedAt } = yield* start(spawn, logFile)
    const readyAt = yield* Deferred.make<number>()
    const probe = Effect.tryPromise((signal) => fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]) })).pipe(
      Effect.flatMap((res) => Effect.zipRight(Effect.tryPromise(() => res.arrayBuffer()), res.status === 200 ? Deferred.succeed(readyAt, performance.now()) : Effect.void)),
      Effect.ignore
    )
    yield* Effect.forkScoped(probe).pipe(Effect.repeat(Schedule.spaced("10 millis")), Effect.forkScoped)
    const at = yield* Deferred.await(readyAt).pipe(
      Effect.raceFirst(exitFails(proc, `${url} answered 200`, logFile)),
      Effect.timeoutFail({ duration: Duration.minutes(2), onTimeout: () => new BenchFailed({ message: `${url} not ready in 2 minutes (log: ${logFile})` }) })
    )
    yield* stop(proc)
    return at - startedAt
  }))

/** Milliseconds from spawn to the connector's first getUpdates call on `fake` (a fresh fake per run). */
export const toFirstPoll = (spawn: Spawn, fake: FakeTelegramServer, logFile: string) =>
  Effect.scoped(Effect.gen(function*() {
    const { proc, startedAt } = yield* start(spawn, logFile)
    const polled = Effect.sync(() => fake.firstCallAt.get("getUpdates")).pipe(
      Effect.delay("2 millis"),
      Effect.repeat({ until: (at): at is number => at !== undefined })
    )
    const at = yield* polled.pipe(
      Effect.raceFirst(exitFails(proc, "its first getUpdates", logFile)),
      Effect.timeoutFail({ duration: Duration.minutes(1), onTimeout: () => new BenchFailed({ message: `no getUpdates in 1 minute (log: ${logFile})` }) })
    )
    yield* stop(proc)
    return at - startedAt
  }))
