/** `scripts/switchboard connector <type>` (default telegram) as a real child process, with its output kept for assertions. */
import { Effect } from "effect"
import * as Child from "node:child_process"
import * as Path from "node:path"

export interface ConnectorProcess {
  readonly child: Child.ChildProcess
  /** Everything written to stdout and stderr so far. */
  readonly output: () => string
  /** kill -9. */
  readonly kill9: Effect.Effect<void>
  /** SIGTERM, then the exit code. */
  readonly terminate: Effect.Effect<number | null>
}

const script = Path.resolve(import.meta.dirname, "../../scripts/switchboard")

const exited = (child: Child.ChildProcess) =>
  Effect.async<number | null>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.succeed(child.exitCode))
    child.once("exit", (code) => resume(Effect.succeed(code)))
  })

/** Starts the connector; it is killed when the scope closes if still running. */
export const start = (env: Record<string, string>, type = "telegram") =>
  Effect.acquireRelease(
    Effect.sync((): ConnectorProcess => {
      const chunks: Array<string> = []
      const child = Child.spawn(script, ["connector", type], {
        env: { ...process.env, SWITCHBOARD_LOG_LEVEL: "Info", ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      child.stdout?.on("data", (d: Buffer) => chunks.push(d.toString("utf8")))
      child.stderr?.on("data", (d: Buffer) => chunks.push(d.toString("utf8")))
      return {
        child,
        output: () => chunks.join(""),
        kill9: Effect.zipRight(Effect.sync(() => child.kill("SIGKILL")), Effect.asVoid(exited(child))),
        terminate: Effect.zipRight(Effect.sync(() => child.kill("SIGTERM")), exited(child))
      }
    }),
    (p) => (p.child.exitCode === null && p.child.signalCode === null ? p.kill9 : Effect.void)
  )
