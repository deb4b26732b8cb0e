/** Entry point of `scripts/switchboard`: the CLI, with the logger its command calls for (src/logging). */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect } from "effect"
import * as Entry from "./cli/Entry.js"
import * as Failure from "./cli/Failure.js"
import { run, tree } from "./cli/Main.js"
import * as Logging from "./logging/Logging.js"

/** The hub (`serve`) and connector processes (`connector <type>`) always log; other commands with --verbose. */
const writesLogs = (argv: ReadonlyArray<string>) => {
  const { help, path, verbose } = Entry.commandPath(tree, argv)
  return verbose || (!help && (path[1] === "serve" || (path[1] === "connector" && path.length === 2)))
}

Effect.gen(function*() {
  const settings = yield* Logging.settings
  return yield* run(process.argv).pipe(Effect.provide(writesLogs(process.argv) ? Logging.layer(settings) : Logging.silent))
}).pipe(
  // A failed command prints one line naming the problem and exits non-zero; defects keep their full cause.
  Effect.catchAll((error) => Effect.flatMap(Failure.report(process.argv)(error), (code) => Effect.sync(() => (process.exitCode = code)))),
  Effect.tapDefect((defect) => Console.error(Cause.pretty(Cause.die(defect)))),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
