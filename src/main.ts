/** Entry point of `scripts/switchboard`: runs the CLI with JSON logs on stderr. */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Config, Console, Effect, Logger, LogLevel } from "effect"
import { run } from "./cli/Main.js"
import * as Failure from "./cli/Failure.js"

const logLevel = Config.logLevel("SWITCHBOARD_LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info))

Effect.flatMap(logLevel, (level) => Logger.withMinimumLogLevel(Effect.suspend(() => run(process.argv)), level)).pipe(
  // A failed command prints one line naming the problem and exits non-zero; defects keep their full cause.
  Effect.catchAll((error) => Effect.flatMap(Failure.report(process.argv)(error), (code) => Effect.sync(() => (process.exitCode = code)))),
  Effect.tapDefect((defect) => Console.error(Cause.pretty(Cause.die(defect)))),
  Effect.provide(NodeContext.layer),
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.jsonLogger))),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
