/**
 * The front door of the `switchboard` command line: `--help` anywhere shows that command's help (our
 * renderer: HelpRender.ts), usage mistakes end as one line with their fix (`CliUsage`), `--verbose` is
 * taken out, and then @effect/cli parses and runs the command. The parser's own multi-line error print
 * is held back (its message becomes the CliUsage line); a command's own stderr output is untouched.
 */
import { Command, ValidationError } from "@effect/cli"
import type { CliApp } from "@effect/cli"
import { Config, Console, Data, Effect, FiberRef, Option } from "effect"
import * as Argv from "./Argv.js"
import * as HelpModel from "./HelpModel.js"
import * as HelpRender from "./HelpRender.js"

/** The command line is wrong; the message names the problem and the fix (exit 2, or 64 for `connectors`). */
export class CliUsage extends Data.TaggedError("CliUsage")<{ readonly message: string }> {}

/** Set when a command's handler starts: from then on, stderr output is the command's own. */
const handlerStarted = FiberRef.unsafeMake(false)

/** Console whose `error` drops the parser's output until a handler starts. */
const quietParser = (real: Console.Console): Console.Console => ({
  ...real,
  error: (...args) => Effect.flatMap(FiberRef.get(handlerStarted), (started) => (started ? real.error(...args) : Effect.void))
})

/** The help style for stdout: its width (COLUMNS, else 80, when not a terminal) and colour (a terminal, no NO_COLOR). */
export const terminalStyle = (version: string): Effect.Effect<HelpRender.Style> =>
  Effect.gen(function*() {
    const noColor = yield* Config.string("NO_COLOR").pipe(Config.withDefault(""))
    const columns = yield* Config.integer("COLUMNS").pipe(Config.option)
    const tty = process.stdout.isTTY === true
    const ttyColumns = tty && process.stdout.columns > 0 ? process.stdout.columns : undefined
    return { version, color: tty && noColor === "", width: ttyColumns ?? Option.getOrElse(columns, () => 80) }
  }).pipe(Effect.orElseSucceed(() => ({ version, color: false, width: 80 })))

/** What the command line names, for choosing how to log (`serve`, `connector <type>`, …). */
export const commandPath = (tree: HelpModel.CommandDoc, argv: ReadonlyArray<string>) => {
  const scan = Argv.scan(tree, argv.slice(2))
  return { path: scan.command.path, verbose: scan.verbose, help: scan.help || scan.problem !== undefined }
}

/** Runs `command` on `argv` (node, script, words…). */
export const make = <Name extends string, R, E, A>(
  command: Command.Command<Name, R, E, A>,
  app: { readonly name: string; readonly version: string }
) => {
  const tree = HelpModel.fromCommand(command)
  const marked = Command.transformHandler(command, (effect: Effect.Effect<void, E, R>) =>
    Effect.zipRight(FiberRef.set(handlerStarted, true), effect))
  const cli = Command.run(marked, app)
  const run = (argv: ReadonlyArray<string>): Effect.Effect<void, E | ValidationError.ValidationError | CliUsage, R | CliApp.CliApp.Environment> =>
    Effect.gen(function*() {
      const scan = Argv.scan(tree, argv.slice(2))
      if (scan.problem !== undefined) return yield* new CliUsage({ message: scan.problem })
      const bare = scan.command.subcommands.length > 0 && scan.command.args.length === 0 && scan.positionals.length === 0 && !scan.builtIn
      if (scan.help || bare) return yield* Effect.flatMap(terminalStyle(app.version), (style) => Console.log(HelpRender.render(scan.command, style)))
      const parsed = Effect.consoleWith((real) => Effect.withConsole(cli([...argv.slice(0, 2), ...scan.args]), quietParser(real)))
      return yield* parsed.pipe(
        Effect.catchIf(ValidationError.isValidationError, (e): Effect.Effect<never, ValidationError.ValidationError | CliUsage> =>
          Effect.flatMap(FiberRef.get(handlerStarted), (started): Effect.Effect<never, ValidationError.ValidationError | CliUsage> => {
            const what = HelpModel.textOf(e.error).split("\n").map((l) => l.trim()).filter((l) => l !== "").join("; ")
            return started ? Effect.fail(e) : Effect.fail(new CliUsage({ message: `${what}; see ${HelpModel.pathText(scan.command)} --help` }))
          })),
        Effect.locally(handlerStarted, false)
      )
    })
  return { tree, run }
}
