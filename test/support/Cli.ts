/** Runs the real `scripts/switchboard` CLI as a child process. */
import { Command } from "@effect/platform"
import { Effect, Stream, String as Str } from "effect"
import * as Path from "node:path"

export const repo = Path.resolve(import.meta.dirname, "../..")

const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
  stream.pipe(Stream.decodeText(), Stream.mkString, Effect.orElseSucceed(() => ""))

/** Runs `switchboard ...args` to completion: exit code, stdout, stderr. */
export const run = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.scoped(
    Effect.gen(function*() {
      const process = yield* Command.make(Path.join(repo, "scripts/switchboard"), ...args).pipe(
        Command.workingDirectory(repo),
        Command.env(env),
        Command.start
      )
      const [stdout, stderr, exitCode] = yield* Effect.all([collect(process.stdout), collect(process.stderr), process.exitCode], {
        concurrency: "unbounded"
      })
      return { exitCode: Number(exitCode), stdout: Str.trim(stdout), stderr: Str.trim(stderr) }
    })
  ).pipe(Effect.orDie)
