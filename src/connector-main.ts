/**
 * Entry point of `scripts/switchboard connector <type>` in the build (dist/connector.js): one built-in
 * source connector as its own process, importing only the connector runtime, the built-in sources and
 * the RPC client, not the hub or the command line, so it polls within a fraction of a second of its
 * spawn. It is `switchboard connector <type>` of src/main.ts: the same settings checks and their lines,
 * the same logs (src/logging), exit codes (src/cli/Failure.ts) and SIGINT/SIGTERM handling
 * (NodeRuntime.runMain). Any other command line (an unknown type, options, `--help`, `resubmit`) is
 * handed to the full command line, which answers it as before.
 */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Layer } from "effect"
import { sources } from "../layers/Connectors/Builtins.js"
import { lookup, processLayer } from "../layers/Connectors/ConnectorHostLive.js"
import * as Failure from "./cli/Failure.js"
import * as Logging from "./logging/Logging.js"

/** The connector type of a plain `connector <type>` line naming a built-in source; undefined for any other line. */
const plainConnectorType = (argv: ReadonlyArray<string>): string | undefined => {
  const [command, type, ...rest] = argv.slice(2)
  return command === "connector" && type !== undefined && rest.length === 0 && sources.has(type) ? type : undefined
}

const type = plainConnectorType(process.argv)

if (type === undefined) {
  await import("./main.js")
} else {
  Effect.gen(function*() {
    const settings = yield* Logging.settings
    const source = yield* lookup(type)
    return yield* Layer.launch(processLayer(type, source)).pipe(Effect.provide(Logging.layer(settings)))
  }).pipe(
    // As src/main.ts: one line naming the problem and a non-zero exit; defects keep their full cause.
    Effect.catchAll((error) => Effect.flatMap(Failure.report(process.argv)(error), (code) => Effect.sync(() => (process.exitCode = code)))),
    Effect.tapDefect((defect) => Console.error(Cause.pretty(Cause.die(defect)))),
    Effect.provide(NodeContext.layer),
    NodeRuntime.runMain({ disablePrettyLogger: true })
  )
}
