/**
 * How a failed command ends: one stderr line naming the problem (none for a usage error, which the
 * parser already printed) and its exit code. Shared by `src/main.ts` and the in-process test runner.
 */
import { ValidationError } from "@effect/cli"
import { ConfigError, Console, Effect } from "effect"
import { failureExitCode, usageExitCode } from "./ConnectorsExitCodes.js"

/** Reports `error` of the command line `argv` and answers its exit code. */
export const report = (argv: ReadonlyArray<string>) => (error: unknown): Effect.Effect<number> => {
  if (ValidationError.isValidationError(error)) return Effect.succeed(usageExitCode(argv))
  const tagged = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "Error"
  // A ConfigError's message hides which variable was wrong; its string form names it.
  const message = ConfigError.isConfigError(error) ? String(error) : error instanceof Error ? error.message : String(error)
  return Console.error(`switchboard: ${tagged}: ${message}`).pipe(Effect.as(failureExitCode(error)))
}
