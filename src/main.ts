/** Entry point of `scripts/switchboard`: runs the CLI with JSON logs on stderr. */
import { ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Config, ConfigError, Console, Effect, Logger, LogLevel } from "effect"
import { run } from "./cli/Main.js"
import { failureExitCode, usageExitCode } from "./cli/ConnectorsExitCodes.js"

const logLevel = Config.logLevel("SWITCHBOARD_LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info))

/** A failed command prints one line naming the problem and exits non-zero; defects keep their full cause. */
const reportFailure = (error: unknown) => {
  if (ValidationError.isValidationError(error)) return Effect.sync(() => (process.exitCode = usageExitCode(process.argv)))
  const tagged = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "Error"
  // A ConfigError's message hides which variable was wrong; its string form names it.
  const message = ConfigError.isConfigError(error) ? String(error) : error instanceof Error ? error.message : String(error)
  return Console.error(`switchboard: ${tagged}: ${message}`).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = failureExitCode(error)))))
}

Effect.flatMap(logLevel, (level) => Logger.withMinimumLogLevel(Effect.suspend(() => run(process.argv)), level)).pipe(
  Effect.catchAll(reportFailure),
  Effect.tapDefect((defect) => Console.error(Cause.pretty(Cause.die(defect)))),
  Effect.provide(NodeContext.layer),
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.jsonLogger))),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
