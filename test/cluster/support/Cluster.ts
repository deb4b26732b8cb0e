/**
 * Hub processes as cluster runners for integration tests: `scripts/switchboard serve` started by
 * test/delivery/support/HubProcess.ts (spawn, read the banner, wait for /health), each with its own
 * runner port, working directory and log file on one shared database; stopped with kill -9 or SIGTERM; their `/ready` read
 * together (the singletons each runner runs right now) and their `/metrics` series picked out.
 */
import { Data, Effect, Option, Schema } from "effect"
import * as Child from "node:child_process"
import * as Path from "node:path"
import * as HubProcess from "../../delivery/support/HubProcess.js"
import * as RunnerPorts from "../../support/RunnerPorts.js"

const SCRIPT = Path.resolve(import.meta.dirname, "../../../scripts/switchboard")

/** The `cluster` field of `/ready` (issue 15 contract). */
export const ClusterState = Schema.Struct({
  mode: Schema.String,
  runner: Schema.String,
  singletons: Schema.Array(Schema.String),
  shards: Schema.Number
})
export type ClusterState = typeof ClusterState.Type

export const Readiness = Schema.Struct({
  status: Schema.Literal("ready"),
  database: Schema.String,
  cluster: Schema.optional(ClusterState)
})
const decodeReadiness = Schema.decodeUnknownOption(Schema.parseJson(Readiness))

export interface Hub {
  /** hub-1, hub-2, … in start order. */
  readonly name: string
  readonly runnerPort: number
  /** The runner address /ready should name: 127.0.0.1:<runner port>. */
  readonly runner: string
  readonly url: string
  readonly child: Child.ChildProcess
  /** Its whole log (stderr) is written here. */
  readonly logFile: string
  /** The last 4,000 characters it logged, for failure messages. */
  readonly logTail: () => string
}

export interface HubOptions {
  readonly name: string
  /** Where its log file goes. */
  readonly dir: string
  /** Runner ports to take from (next free one; a port taken meanwhile moves on to the next). */
  readonly ports: Ports
  /** The environment for a runner port (Cluster.clusterEnv plus more); undefined removes a variable. */
  readonly env: (runnerPort: number) => Record<string, string | undefined>
}

export type Ports = RunnerPorts.Ports

/** Runner ports handed out in order from [from, to]. */
export const ports = RunnerPorts.range

/** The runner socket could not be opened (its port was taken between the check and the hub's start). */
class PortTaken extends Data.TaggedError("PortTaken")<{ readonly port: number }> {}

/** A runner's environment: the contract's cluster settings, with the test lock settings (refresh 1 s, expiry 4 s). */
export const clusterEnv = (databaseUrl: string, runnerPort: number): Record<string, string> => ({
  DATABASE_URL: databaseUrl,
  SWITCHBOARD_PORT: "0",
  SWITCHBOARD_DEV_TOKEN: "false",
  SWITCHBOARD_LOG_LEVEL: "Info",
  SWITCHBOARD_CLUSTER: "true",
  SWITCHBOARD_RUNNER_ADDRESS: "127.0.0.1",
  SWITCHBOARD_RUNNER_PORT: String(runnerPort),
  SWITCHBOARD_CLUSTER_LOCK_REFRESH_S: "1",
  SWITCHBOARD_CLUSTER_LOCK_EXPIRY_S: "4"
})

/**
 * Builds the checkout once before hubs start together: scripts/switchboard rebuilds dist/ when a source
 * is newer, and three hubs starting at once would each run that build into the same directory.
 */
export const prebuild = Effect.async<void, Error>((resume) => {
  Child.execFile(SCRIPT, ["--version"], { timeout: 120_000 }, (error, _stdout, stderr) =>
    resume(error === null ? Effect.void : Effect.fail(new Error(`scripts/switchboard --version failed: ${stderr}`))))
}).pipe(Effect.orDie)

const startOn = (o: HubOptions, runnerPort: number) =>
  HubProcess.spawn({ SWITCHBOARD_DATA_DIR: Path.join(o.dir, o.name), ...o.env(runnerPort) }, ["serve"], {
    cwd: o.dir,
    logFile: Path.join(o.dir, `${o.name}.log`)
  }).pipe(
    Effect.map((hub): Hub => ({
      name: o.name,
      runnerPort,
      runner: `127.0.0.1:${runnerPort}`,
      url: hub.url,
      child: hub.child,
      logFile: Path.join(o.dir, `${o.name}.log`),
      logTail: hub.stderrTail
    })),
    Effect.catchTag("HubExited", (e) =>
      /SocketServerError/.test(e.tail) && /EADDRINUSE|Open/.test(e.tail)
        ? Effect.fail(new PortTaken({ port: runnerPort }))
        : Effect.dieMessage(`${o.name}: ${e.message}`))
  )

/** Starts one runner (HubProcess.spawn): resolves once it listens and answers /health. Killed (-9) when the scope closes. */
export const start = (o: HubOptions) =>
  Effect.flatMap(Effect.orDie(RunnerPorts.take(o.ports)), (port) => startOn(o, port)).pipe(
    Effect.retry({ times: 5, while: (e) => e._tag === "PortTaken" }),
    Effect.catchTag("PortTaken", (e) => Effect.dieMessage(`${o.name}: runner port ${e.port} was taken, five times over`))
  )

export const exited = (hub: Hub) => hub.child.exitCode !== null || hub.child.signalCode !== null

/** Sends a signal and waits until the process is gone; answers its exit code (null when killed by a signal). */
export const kill = (hub: Hub, signal: NodeJS.Signals) =>
  Effect.async<number | null>((resume) => {
    if (exited(hub)) return resume(Effect.succeed(hub.child.exitCode))
    hub.child.once("exit", (code) => resume(Effect.succeed(code)))
    hub.child.kill(signal)
  })

/** One GET with a 1.5 s limit; None when it failed or did not answer 200. */
const get = (url: string) =>
  Effect.tryPromise(async (signal) => {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(1500)]) })
    const text = await res.text()
    return res.status === 200 ? Option.some(text) : Option.none<string>()
  }).pipe(Effect.orElseSucceed(() => Option.none<string>()))

/** The hub's `/ready`; None when it did not answer ready (down, starting, 503, not the contract's shape). */
export const ready = (hub: Hub) => Effect.map(get(`${hub.url}/ready`), Option.flatMap(decodeReadiness))

/** The hub's `/metrics` text; None when it did not answer. */
export const metrics = (hub: Hub) => get(`${hub.url}/metrics`)

/**
 * The value of the series `name` whose labels include `labels` (summed over the other labels), from a
 * Prometheus text exposition; 0 when there is none.
 */
export const seriesValue = (text: string, name: string, labels: Record<string, string>): number =>
  text.split("\n").reduce((sum, line) => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$/.exec(line.trim())
    if (m === null || m[1] !== name) return sum
    const found = new Map([...(m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]))
    const matches = Object.entries(labels).every(([k, v]) => found.get(k) === v)
    return matches ? sum + Number(m[4]) : sum
  }, 0)
