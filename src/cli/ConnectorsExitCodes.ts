/**
 * Exit codes of `switchboard connectors …` (the seed's, plus one for usage): 0 success, 1 error,
 * 2 role denied, 64 usage error (unknown flag, missing argument, bad --payload JSON; EX_USAGE of
 * sysexits.h). Other commands keep theirs (a usage error there is 2, as before).
 */
export const SUCCESS = 0
export const ERROR = 1
export const ROLE_DENIED = 2
export const USAGE = 64

/** The command's usage is wrong in a way the parser cannot see (a flag another flag requires, bad JSON). */
export const USAGE_TAG = "ConnectorsUsage"

const isConnectors = (argv: ReadonlyArray<string>) => argv.slice(2).find((a) => !a.startsWith("-")) === "connectors"

/** The exit code of a command line the parser refused. */
export const usageExitCode = (argv: ReadonlyArray<string>): number => (isConnectors(argv) ? USAGE : 2)

/** Failures of a command's input or environment (a file or the hub it cannot use): exit 2 (`connector resubmit`). */
export const INPUT_FAILURE_TAGS: ReadonlySet<string> = new Set(["ResubmitFailed"])

/** The exit code of a failed command: 2 for a role denial or an unusable input, 64 for a usage error found by a command, else 1. */
export const failureExitCode = (error: unknown): number => {
  const tag = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : ""
  return tag === "RoleDenied" || INPUT_FAILURE_TAGS.has(tag) ? ROLE_DENIED : tag === USAGE_TAG ? USAGE : ERROR
}
