/**
 * The command line read against the command tree before @effect/cli parses it: which command it names,
 * whether it asks for help, `--verbose` (ours, taken out before the parser sees it), and the usage
 * mistakes we can name with their fix in one line (an unknown command or option with the nearest
 * name, a missing required option, a value outside an option's choices).
 */
import { AutoCorrect, CliConfig } from "@effect/cli"
import { type CommandDoc, type OptionDoc, pathText } from "./HelpModel.js"

const flag = (names: ReadonlyArray<string>, description: string, value?: string): OptionDoc => ({
  names,
  value,
  choices: [],
  description,
  required: false,
  repeatable: false
})

/** The options every command takes (@effect/cli's built-ins and `--verbose`). */
export const GLOBAL_OPTIONS: ReadonlyArray<OptionDoc> = [
  flag(["-h", "--help"], "show the help of the command named before it: switchboard token create --help"),
  flag(["--verbose"], "write log lines to stderr (admin commands print only their result; serve and connector <type> always log)"),
  flag(
    ["--log-level"],
    "the least severe log line written, as SWITCHBOARD_LOG_LEVEL (all, trace, debug, info, warning, error, fatal, none); implies --verbose",
    "<level>"
  ),
  flag(["--version"], "print the version and exit"),
  flag(["--completions"], "print a completion script for this shell", "sh|bash|fish|zsh"),
  flag(["--wizard"], "build a command line by answering prompts")
]

const GLOBAL_NAMES = new Set(GLOBAL_OPTIONS.flatMap((o) => o.names))
const BUILT_INS = new Set(["--version", "--completions", "--wizard"])

/** What a command line asks for. */
export interface Scan {
  /** The deepest command the line names (the root when it names none). */
  readonly command: CommandDoc
  /** `-h` / `--help` anywhere before `--`. */
  readonly help: boolean
  /** `--verbose` or `--log-level` was given. */
  readonly verbose: boolean
  /** The line without `--verbose`, for @effect/cli. */
  readonly args: ReadonlyArray<string>
  /** Positional words after the command's name. */
  readonly positionals: ReadonlyArray<string>
  /** A built-in the library answers (--version, --completions, --wizard). */
  readonly builtIn: boolean
  /** The usage mistake, in one line with its fix; undefined when none was seen (or help was asked for). */
  readonly problem: string | undefined
}

const nameOf = (word: string) => word.split("=")[0] ?? word
const isOption = (word: string) => word.startsWith("-") && word !== "-" && !/^-\d/.test(word)

/** The closest of `names` to `word`, when it is close enough to be a likely typo. */
export const nearest = (word: string, names: ReadonlyArray<string>): string | undefined => {
  const scored = names
    .map((name) => ({ name, d: AutoCorrect.levensteinDistance(word, name, CliConfig.defaultConfig) }))
    .sort((a, b) => a.d - b.d)
  const best = scored[0]
  return best !== undefined && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.name : undefined
}

const suggestion = (word: string, names: ReadonlyArray<string>) => {
  const near = nearest(word, names)
  return near === undefined ? "" : `; did you mean '${near}'?`
}

const seeHelp = (doc: CommandDoc) => ` see ${pathText(doc)} --help`
/** ` for token create` (nothing for the root). */
const forCommand = (doc: CommandDoc) => (doc.path.length <= 1 ? "" : ` for ${doc.path.slice(1).join(" ")}`)

/** Reads `words` (the command line after the program) against the tree under `root`. */
export const scan = (root: CommandDoc, words: ReadonlyArray<string>): Scan => {
  const dashes = words.indexOf("--")
  const before = dashes === -1 ? words : words.slice(0, dashes)
  const after = dashes === -1 ? [] : words.slice(dashes)
  const chain: Array<CommandDoc> = [root]
  let command = root
  const positionals: Array<string> = []
  const given = new Map<string, string | undefined>()
  let unknownCommand: string | undefined
  let unknownOption: string | undefined
  const known = (name: string) =>
    GLOBAL_NAMES.has(name) ? GLOBAL_OPTIONS.find((o) => o.names.includes(name)) : chain.flatMap((c) => c.options).find((o) => o.names.includes(name))
  for (let i = 0; i < before.length; i++) {
    const word = before[i]!
    if (isOption(word)) {
      const name = nameOf(word)
      const option = known(name)
      const takesValue = option?.value !== undefined && !word.includes("=")
      const value = takesValue ? before[i + 1] : word.includes("=") ? word.slice(name.length + 1) : undefined
      if (takesValue) i++
      if (option === undefined && unknownOption === undefined) {
        const names = [...command.options.flatMap((o) => o.names), ...GLOBAL_NAMES]
        unknownOption = `unknown option '${name}'${forCommand(command)}${suggestion(name, names) || ";"}${seeHelp(command)}`
      }
      if (option !== undefined) given.set(option.names[0]!, value)
      continue
    }
    const child = positionals.length === 0 ? command.subcommands.find((c) => c.name === word) : undefined
    if (child !== undefined) {
      command = child
      chain.push(child)
      continue
    }
    if (positionals.length === 0 && command.subcommands.length > 0 && command.args.length === 0 && unknownCommand === undefined) {
      const names = command.subcommands.map((c) => c.name)
      unknownCommand = `unknown command '${word}'${forCommand(command)}${suggestion(word, names) || `; use one of ${names.join(", ")};`}${seeHelp(command)}`
    }
    positionals.push(word)
  }
  const help = given.has("-h")
  const verbose = given.has("--verbose") || given.has("--log-level")
  const builtIn = [...given.keys()].some((name) => BUILT_INS.has(name))
  // An unknown command is refused even with --help (there is no help to show); the rest only when the command runs.
  const problem = unknownCommand ?? (help || builtIn
    ? undefined
    : unknownOption ?? argProblem(command, positionals) ?? (command.subcommands.length === 0 ? optionProblem(command, given) : undefined))
  return {
    command,
    help,
    verbose,
    args: [...before.filter((w) => nameOf(w) !== "--verbose"), ...after],
    positionals,
    builtIn,
    problem
  }
}

/** A positional word outside its argument's choices. */
const argProblem = (command: CommandDoc, positionals: ReadonlyArray<string>): string | undefined => {
  const index = command.args.findIndex((a, i) => a.choices.length > 0 && positionals[i] !== undefined && !a.choices.includes(positionals[i]!))
  if (index === -1) return undefined
  const arg = command.args[index]!
  const commands = command.subcommands.length === 0 ? "" : ` or a command (${command.subcommands.map((c) => c.name).join(", ")})`
  return `${arg.name} '${positionals[index]!.slice(0, 40)}' is not one of ${arg.choices.join(", ")}${commands};${seeHelp(command)}`
}

/** A required option left out, or a choice option given another value. */
const optionProblem = (command: CommandDoc, given: ReadonlyMap<string, string | undefined>): string | undefined => {
  const missing = command.options.filter((o) => o.required && !given.has(o.names[0]!)).map((o) => o.names[0]!)
  if (missing.length > 0) {
    const list = missing.length === 1 ? missing[0]! : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]}`
    return `missing ${list}${forCommand(command)};${seeHelp(command)}`
  }
  for (const option of command.options) {
    const value = given.get(option.names[0]!)
    if (option.choices.length > 0 && value !== undefined && !option.choices.includes(value)) {
      return `${option.names[0]} '${value.slice(0, 40)}' is not one of ${option.choices.join(", ")};${seeHelp(command)}`
    }
  }
  return undefined
}
