/**
 * The bench's child processes: the real hub (`scripts/switchboard serve`), the baseline server, the
 * token CLI and the load generator. Servers live as long as the caller's scope; their stdout and
 * stderr go to a log file; closing the scope sends SIGTERM and waits for the exit.
 */
import { Command, FileSystem, HttpClient } from "@effect/platform"
import { Data, Effect, Option, Redacted, Schedule, Schema, Stream } from "effect"
import * as Net from "node:net"
import * as Path from "node:path"
import type { Mode } from "./Answers.js"
import type { BenchDatabase } from "./BenchDatabase.js"
import * as Envelopes from "./Envelopes.js"
import { LoadResult } from "./LoadStats.js"

export class BenchFailed extends Data.TaggedError("BenchFailed")<{ readonly message: string }> {}

const root = Path.resolve(import.meta.dirname, "../..")
/** The checkout whose hub is measured (BENCH_HUB_DIR, default this one): compare hub versions side by side. */
const hubRoot = Path.resolve(process.env["BENCH_HUB_DIR"] ?? root)
const switchboard = Path.join(hubRoot, "scripts/switchboard")
/** `node [--cpu-prof …] --import tsx <file> …args` (node refuses --cpu-prof in NODE_OPTIONS, so it goes here). */
const tsxNode = (file: string, args: ReadonlyArray<string>, profileDir?: string) =>
  Command.make(
    process.execPath,
    ...(profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`]),
    ...["--import", "tsx", file, ...args]
  )
const benchScript = (script: string) => Path.join(root, "scripts/bench", script)

const freePort = Effect.async<number, BenchFailed>((resume) => {
  const server = Net.createServer()
  server.once("error", (e) => resume(Effect.fail(new BenchFailed({ message: `no free port: ${e.message}` }))))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Runs a command to its end and returns its stdout; a non-zero exit fails naming `what`. */
const output = (what: string, command: Command.Command) =>
  Effect.scoped(Effect.gen(function*() {
    const proc = yield* Command.start(command.pipe(Command.stderr("inherit")))
    const [out, code] = yield* Effect.all([Stream.mkString(Stream.decodeText(proc.stdout)), proc.exitCode], {
      concurrency: 2
    })
    if (code !== 0) {
      return yield* new BenchFailed({ message: `${what} exited with code ${code}: ${out.trim().split("\n").slice(-3).join(" | ")}` })
    }
    return out
  })).pipe(Effect.catchTag("SystemError", "BadArgument", (e) => new BenchFailed({ message: `${what}: ${e.message}` })))

const TokenOutput = Schema.parseJson(Schema.Struct({ token: Schema.String, id: Schema.String }))

/** An ingest token scoped to the bench envelopes (or `scope`), made by the real CLI (which also migrates the database). */
export const createToken = (
  db: BenchDatabase,
  scope: { readonly channel: string; readonly provider: string; readonly endpoint: string } = Envelopes.scope
) =>
  output(
    "switchboard token create",
    Command.make(
      switchboard,
      ...["token", "create", "--channel", scope.channel, "--provider", scope.provider],
      ...["--endpoint", scope.endpoint, "--expires-in", "1d", "--label", "ingest bench", "--json"]
    ).pipe(Command.env({ DATABASE_URL: db.url, SWITCHBOARD_LOG_LEVEL: "Warn" }))
  ).pipe(
    Effect.flatMap(Schema.decode(TokenOutput)),
    Effect.mapError((e) => new BenchFailed({ message: `could not create the bench token: ${e.message}` })),
    Effect.map((o) => ({ id: o.id, secret: Redacted.make(o.token) }))
  )

export interface Server {
  readonly url: string
  readonly pid: number
}

const waitReady = <E>(url: string, exited: Effect.Effect<number, E>, logFile: string) =>
  HttpClient.get(url).pipe(
    // A request that reaches a server still starting up may never be answered: give each try 2 s.
    Effect.timeout("2 seconds"),
    Effect.filterOrFail((response) => response.status >= 200 && response.status < 300),
    Effect.retry(Schedule.spaced("250 millis")),
    Effect.timeoutFail({ duration: "90 seconds", onTimeout: () => new BenchFailed({ message: `${url} not ready in 90 s (log: ${logFile})` }) }),
    Effect.raceFirst(
      exited.pipe(
        Effect.flatMap((code) => new BenchFailed({ message: `server exited with code ${code} before ${url} was ready (log: ${logFile})` }))
      )
    ),
    Effect.asVoid
  )

/** Starts a server on `fixedPort` or a free port, logs to `logFile`, waits until `readyPath` answers 2xx. */
export const startServer = (command: Command.Command, env: Record<string, string>, readyPath: string, logFile: string, fixedPort?: number) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const port = fixedPort ?? (yield* freePort)
    const proc = yield* Command.start(
      command.pipe(Command.env({ ...env, SWITCHBOARD_PORT: String(port), BASELINE_PORT: String(port) }))
    )
    yield* Stream.merge(proc.stdout, proc.stderr).pipe(Stream.run(fs.sink(logFile)), Effect.forkScoped)
    const url = `http://127.0.0.1:${port}`
    yield* waitReady(`${url}${readyPath}`, proc.exitCode, logFile)
    return { url, pid: proc.pid } satisfies Server
  }).pipe(Effect.catchTag("SystemError", "BadArgument", (e) => new BenchFailed({ message: e.message })))

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux; clock ticks
 * of 1/100 s); None where that file cannot be read. On a shared machine this is the fair measure of cost.
 */
export const cpuSeconds = (pid: number) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(`/proc/${pid}/stat`)).pipe(
    Effect.map((stat) => {
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      return Option.some((Number(fields[11]) + Number(fields[12])) / 100)
    }),
    Effect.orElseSucceed(() => Option.none<number>())
  )

export interface ServerOptions {
  readonly db: BenchDatabase
  readonly poolSize: number
  readonly logFile: string
  /** When set, the server runs under `node --cpu-prof` and writes its profile here on exit. */
  readonly profileDir: string | undefined
  /** The port to listen on (default: a free one). */
  readonly port?: number
}

/** The real hub on the bench database, no dev token. */
export const startHub = (o: ServerOptions) =>
  startServer(
    // Under a profile, the sources under tsx (frames name their files, for profile-summary's areas), or with
    // BENCH_PROFILE_BUNDLE=1 the build scripts/switchboard runs (frames keep their function names only).
    (o.profileDir === undefined
      ? Command.make(switchboard, "serve")
      : process.env["BENCH_PROFILE_BUNDLE"] === "1"
      ? Command.make(process.execPath, "--cpu-prof", `--cpu-prof-dir=${o.profileDir}`, Path.join(hubRoot, "dist/switchboard.js"), "serve")
      : tsxNode(Path.join(hubRoot, "src/main.ts"), ["serve"], o.profileDir)).pipe(Command.workingDirectory(hubRoot)),
    {
      DATABASE_URL: o.db.url,
      SWITCHBOARD_HOST: "127.0.0.1",
      SWITCHBOARD_DEV_TOKEN: "false",
      SWITCHBOARD_DELIVERY_ALLOW_PRIVATE: "true",
      SWITCHBOARD_DB_POOL_SIZE: String(o.poolSize)
    },
    "/ready",
    o.logFile,
    o.port
  )

/** The bare node:http + pg baseline on the bench database. */
export const startBaseline = (o: ServerOptions) =>
  startServer(
    tsxNode(benchScript("baseline-server.ts"), [], o.profileDir).pipe(Command.workingDirectory(root)),
    { DATABASE_URL: o.db.url, SWITCHBOARD_DB_POOL_SIZE: String(o.poolSize) },
    "/health",
    o.logFile
  )

export interface LoadOptions {
  readonly url: string
  readonly mode: Mode
  readonly token: Redacted.Redacted<string>
  readonly concurrency: number
  readonly durationS: number
  readonly batch: number
}

/** Runs the load generator (its own process) and reads its result line. */
export const runLoad = (o: LoadOptions) =>
  output(
    `load generator (${o.mode})`,
    tsxNode(benchScript("load.ts"), [
      ...["--url", o.url, "--mode", o.mode, "--concurrency", String(o.concurrency)],
      ...["--duration", String(o.durationS), "--batch", String(o.batch)]
    ]).pipe(Command.workingDirectory(root), Command.env({ BENCH_TOKEN: Redacted.value(o.token) }))
  ).pipe(
    Effect.flatMap((out) => Schema.decode(Schema.parseJson(LoadResult))(out.trim().split("\n").pop() ?? "")),
    Effect.mapError((e) => new BenchFailed({ message: `load generator (${o.mode}): ${e.message}` }))
  )

/**
 * A baseline: `envelopes` straight into POST /api/ingest/batch, 100 per request, 8 in flight (each request
 * retried up to 5 times); answers the milliseconds it took.
 */
export const postBatches = (hubUrl: string, token: string, envelopes: ReadonlyArray<unknown>) =>
  Effect.gen(function*() {
    const chunks = Array.from({ length: Math.ceil(envelopes.length / 100) }, (_, i) => envelopes.slice(i * 100, i * 100 + 100))
    const started = performance.now()
    yield* Effect.forEach(chunks, (chunk) =>
      Effect.tryPromise({
        try: async () => {
          const res = await fetch(`${hubUrl}/api/ingest/batch`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            body: JSON.stringify({ envelopes: chunk })
          })
          await res.arrayBuffer()
          if (res.status !== 202 && res.status !== 200) throw new Error(`HTTP ${res.status}`)
        },
        catch: (e) => new BenchFailed({ message: `direct batch: ${String(e)}` })
      }).pipe(Effect.retry({ times: 5, schedule: Schedule.spaced("500 millis") })), { concurrency: 8, discard: true })
    return performance.now() - started
  })

/** Milliseconds as seconds with three decimals, and n per second over `ms`, for result tables. */
export const seconds = (ms: number) => Math.round(ms) / 1000
export const rate = (n: number, ms: number) => Math.round(n / (ms / 1000))
