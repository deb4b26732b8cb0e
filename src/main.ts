/** Entry point of `scripts/switchboard`: runs the CLI with JSON logs on stderr. */
import { ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Config, Console, Effect, Logger, LogLevel } from "effect"
import { run } from "./cli/Main.js"

const logLevel = Config.logLevel("SWITCHBOARD_LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info))

/** A failed command prints one line naming the problem and exits non-zero; defects keep their full cause. */
const reportFailure = (error: unknown) => {
  if (ValidationError.isValidationError(error)) return Effect.sync(() => (process.exitCode = 2))
  const tagged = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "Error"
  const message = typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : typeof error === "object" && error !== null && "id" in error
    ? `no token with id ${String(error.id)}`
    : String(error)
  return Console.error(`switchboard: ${tagged}: ${message}`).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = 1))))
}

Effect.suspend(() => run(process.argv)).pipe(
  Effect.catchAll(reportFailure),
  Effect.tapDefect((defect) => Console.error(Cause.pretty(Cause.die(defect)))),
  Effect.provide(NodeContext.layer),
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.jsonLogger))),
  Effect.flatMap(() => Effect.void),
  (program) => Effect.flatMap(logLevel, (level) => Logger.withMinimumLogLevel(program, level)),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
