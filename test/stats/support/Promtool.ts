/** Runs Debian's `promtool check metrics` on an exposition text (stdin); its exit code and what it printed. */
import { Effect } from "effect"
import { spawn } from "node:child_process"

export const promtool = (text: string) =>
  Effect.async<{ readonly code: number | null; readonly output: string }, Error>((resume) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    child.on("error", (e) => resume(Effect.fail(e)))
    child.on("close", (code) => resume(Effect.succeed({ code, output })))
    child.stdin.end(text)
  })
