/**
 * How a failed command ends: one stderr line naming the problem and its exit code. Shared by
 * `src/main.ts` and the in-process test runner. A usage mistake (CliUsage: unknown command or option,
 * missing or bad value) names its fix and exits 2 (64 for `connectors`); a bad SWITCHBOARD_LOG_FORMAT or
 * SWITCHBOARD_LOG_LEVEL exits 2; a ValidationError a command raised itself was already printed by it.
 */
import { ValidationError } from "@effect/cli"
import { ConfigError, Console, Effect } from "effect"
import { failureExitCode, usageExitCode } from "./ConnectorsExitCodes.js"

const tagOf = (error: unknown) => (typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "Error")
const messageOf = (error: unknown) => (typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error))

/** Reports `error` of the command line `argv` and answers its exit code. */
export const report = (argv: ReadonlyArray<string>) => (error: unknown): Effect.Effect<number> => {
  if (ValidationError.isValidationError(error)) return Effect.succeed(usageExitCode(argv))
  const tagged = tagOf(error)
  if (tagged === "CliUsage") return Console.error(`switchboard: ${messageOf(error)}`).pipe(Effect.as(usageExitCode(argv)))
  if (tagged === "LogSettingInvalid") return Console.error(`switchboard: ${messageOf(error)}`).pipe(Effect.as(2))
  // A ConfigError's message hides which variable was wrong; its string form names it.
  const message = ConfigError.isConfigError(error) ? String(error) : error instanceof Error ? error.message : String(error)
  return Console.error(`switchboard: ${tagged}: ${message}`).pipe(Effect.as(failureExitCode(error)))
}
