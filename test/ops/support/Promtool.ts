/**
 * Runs Debian's `promtool` (package `prometheus`; .ci/run installs it) with arguments and optional stdin: its
 * exit code and everything it printed. A missing promtool is a failure that says how to install it, never a skip.
 */
import { Data, Effect } from "effect"
import { spawn } from "node:child_process"

/** promtool could not be started (not installed, or not on PATH). */
export class PromtoolMissing extends Data.TaggedError("PromtoolMissing")<{ readonly message: string }> {}

export interface PromtoolRun {
  readonly code: number | null
  readonly output: string
}

export const run = (args: ReadonlyArray<string>, options: { readonly stdin?: string; readonly cwd?: string } = {}) =>
  Effect.async<PromtoolRun, PromtoolMissing>((resume) => {
    const child = spawn("promtool", [...args], { stdio: ["pipe", "pipe", "pipe"], cwd: options.cwd })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    child.on("error", (e) =>
      resume(Effect.fail(
        new PromtoolMissing({
          message: `promtool could not be run (${e.message}): install Debian's "prometheus" package (apt-get install prometheus), as .ci/run does`
        })
      )))
    child.on("close", (code) => resume(Effect.succeed({ code, output })))
    // a child that failed to start (reported above) or exited early closes its stdin: nothing to add
    child.stdin.on("error", () => undefined)
    child.stdin.end(options.stdin ?? "")
  })

/** `promtool check metrics` on an exposition text. */
export const checkMetrics = (text: string) => run(["check", "metrics"], { stdin: text })
