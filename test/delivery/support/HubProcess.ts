/** `scripts/switchboard serve` as a child process: started, its URL read from its banner, killed by pid. */
import { Data, Duration, Effect, Schedule } from "effect"
import * as Child from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

const SCRIPT = Path.resolve(import.meta.dirname, "../../../scripts/switchboard")

export interface HubProcess {
  readonly url: string
  readonly child: Child.ChildProcess
  /** Everything it printed on stdout so far (the banner). */
  readonly stdout: () => string
  /** The last 4,000 characters it logged (stderr), for failure messages. */
  readonly stderrTail: () => string
}

/** The hub exited before it listened; `tail` is the last 4,000 characters of its stderr. */
export class HubExited extends Data.TaggedError("HubExited")<{ readonly reason: string; readonly tail: string }> {
  override get message() {
    return `hub ${this.reason}: ${this.tail}`
  }
}

export interface SpawnOptions {
  /** Its working directory (default: this process's). */
  readonly cwd?: string
  /** Where its whole stderr (its log) is written, besides the tail kept in memory. */
  readonly logFile?: string
}

/**
 * Starts a hub with extra environment; resolves once it prints the address it listens on and answers
 * /health, fails with HubExited when it exits first or does not listen within 60 s. Killed (-9) when
 * the scope closes. `env` values that are undefined are removed from the child's environment (unset, not empty).
 */
export const spawn = (env: Record<string, string | undefined>, args: ReadonlyArray<string> = ["serve"], options: SpawnOptions = {}) =>
  Effect.acquireRelease(
    Effect.async<HubProcess, HubExited>((resume) => {
      const log = options.logFile === undefined ? undefined : Fs.createWriteStream(options.logFile)
      const child = Child.spawn(SCRIPT, [...args], {
        // Its delivery targets are test receivers on loopback.
        env: Object.fromEntries(
          Object.entries({ ...process.env, SWITCHBOARD_PORT: "0", SWITCHBOARD_DEV_TOKEN: "false", SWITCHBOARD_DELIVERY_ALLOW_PRIVATE: "true", ...env })
            .filter((kv): kv is [string, string] => kv[1] !== undefined)
        ),
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        stdio: ["ignore", "pipe", "pipe"]
      })
      let out = ""
      let err = ""
      let settled = false
      const settle = (effect: Effect.Effect<HubProcess, HubExited>) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resume(effect)
      }
      const timer = setTimeout(() => {
        child.kill("SIGKILL")
        settle(Effect.fail(new HubExited({ reason: `did not listen within 60 s; stdout: ${out}`, tail: err })))
      }, 60_000)
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8")
        const m = /listening on (http:\/\/[^\s]+)/.exec(out)
        if (m?.[1] !== undefined) settle(Effect.succeed({ url: m[1], child, stdout: () => out, stderrTail: () => err }))
      })
      child.stderr?.on("data", (chunk: Buffer) => {
        log?.write(chunk)
        err = (err + chunk.toString("utf8")).slice(-4000)
      })
      child.once("exit", (code, signal) => {
        log?.end()
        settle(Effect.fail(new HubExited({ reason: `exited before listening (${code ?? signal})`, tail: err })))
      })
    }).pipe(Effect.tap((hub) => answering(hub.url))),
    (hub) => kill(hub, "SIGKILL")
  )

/** Starts a hub with extra environment (`spawn`); a hub that exits before it listens is a defect of the test. */
export const start = (env: Record<string, string | undefined>, args: ReadonlyArray<string> = ["serve"]) =>
  Effect.orDie(spawn(env, args))

/**
 * Waits until `/health` answers. The banner can print before the router is attached to the bound
 * port, and a request arriving in that window is never answered (EFFECT_NOTES G22), so each probe
 * has its own short timeout.
 */
const answering = (url: string) =>
  Effect.tryPromise({
    try: (signal) => fetch(`${url}/health`, { signal: AbortSignal.any([signal, AbortSignal.timeout(500)]) }),
    catch: (cause) => new Error(`hub at ${url} not answering: ${String(cause)}`)
  }).pipe(
    Effect.filterOrFail((res) => res.status === 200, () => new Error(`hub at ${url} not healthy`)),
    Effect.retry({ schedule: Schedule.spaced(Duration.millis(100)), times: 200 }),
    Effect.orDie
  )

/** Sends a signal and waits until the process is gone (no-op if it already exited). */
export const kill = (hub: HubProcess, signal: NodeJS.Signals) =>
  Effect.async<void>((resume) => {
    if (hub.child.exitCode !== null || hub.child.signalCode !== null) return resume(Effect.void)
    hub.child.once("exit", () => resume(Effect.void))
    hub.child.kill(signal)
  })
