/**
 * `switchboard … --help` as text: the full command path in usage, the summary, details, arguments,
 * options with a short value hint, subcommands and examples, wrapped to `width` columns; bold headings
 * only when `color` (a terminal without NO_COLOR). The top level adds the global options, the
 * environment that shapes the output, and the exit codes.
 */
import * as Argv from "./Argv.js"
import { type CommandDoc, type OptionDoc, pathText } from "./HelpModel.js"

/** How help is printed. */
export interface Style {
  /** Columns a line may take (at least 40 are used). */
  readonly width: number
  /** Bold headings (ANSI escapes). */
  readonly color: boolean
  /** The version the top level names. */
  readonly version: string
}

const heading = (style: Style, text: string) => (style.color ? `\x1b[1m${text}\x1b[0m` : text)
const widthOf = (style: Style) => Math.max(40, Math.floor(style.width))

/** Pieces of at most `n` characters (a word longer than a line is cut, after a `|` when it holds one). */
const cut = (word: string, n: number): ReadonlyArray<string> => {
  if (word.length <= n) return [word]
  const bar = word.lastIndexOf("|", n - 1)
  const at = bar > 0 ? bar + 1 : n
  return [word.slice(0, at), ...cut(word.slice(at), n)]
}

/** Units joined by spaces in lines of at most `width`: the first starts with `first`, the others with `indent`. */
const flow = (units: ReadonlyArray<string>, width: number, first: string, indent: string, glue = ""): Array<string> => {
  const room = width - glue.length
  const lines: Array<string> = []
  let line = first
  let fresh = true
  for (const unit of units.flatMap((u) => cut(u, Math.max(1, room - indent.length)))) {
    const candidate = fresh ? line + unit : `${line} ${unit}`
    if (candidate.length <= room || (fresh && line.trim() === "")) line = candidate
    else {
      lines.push(line.trimEnd() + glue)
      line = indent + unit
    }
    fresh = false
  }
  lines.push(line)
  return lines
}

/** `text` wrapped at spaces. */
export const wrap = (text: string, width: number, indent = "", first = indent): Array<string> =>
  flow(text.split(/\s+/).filter((w) => w !== ""), width, first, indent)

/** Shell words of a command line, quoted parts kept whole (so a break never falls inside quotes). */
const shellWords = (line: string): ReadonlyArray<string> => line.match(/(?:[^\s'"]+|'[^']*'|"(?:[^"\\]|\\.)*")+/g) ?? []

/** Two columns: names on the left, wrapped descriptions on the right (below, when the name is long). */
const table = (rows: ReadonlyArray<readonly [string, string]>, width: number): Array<string> => {
  const longest = Math.max(0, ...rows.map(([left]) => left.length))
  const column = Math.min(longest + 4, Math.max(14, Math.floor(width * 0.38)))
  return rows.flatMap(([left, right]) => {
    const name = `  ${left}`
    const pad = " ".repeat(column)
    if (right === "") return [name]
    if (name.length > width) return [...flow(left.split(" "), width, "  ", "    "), ...wrap(right, width, pad)]
    if (name.length + 2 > column) return [name, ...wrap(right, width, pad)]
    return wrap(right, width, pad, name.padEnd(column))
  })
}

/** `-q, --query <text>`: short names first. */
const optionLeft = (o: OptionDoc) => {
  const names = [...o.names.filter((n) => !n.startsWith("--")), ...o.names.filter((n) => n.startsWith("--"))]
  return `${names.join(", ")}${o.value === undefined ? "" : ` ${o.value}`}`
}

const usageUnits = (doc: CommandDoc): ReadonlyArray<string> => [
  ...doc.args.map((a) => `${a.required ? a.name : `[${a.name}]`}${a.repeatable ? "..." : ""}`),
  ...doc.options.map((o) => {
    const unit = `${o.names[0]}${o.value === undefined ? "" : ` ${o.value}`}`
    return `${o.required ? unit : `[${unit}]`}${o.repeatable ? "..." : ""}`
  })
]

const usage = (doc: CommandDoc, width: number): Array<string> => {
  const prefix = `  ${pathText(doc)} `
  const own = usageUnits(doc)
  const longest = Math.max(0, ...own.map((u) => u.length))
  const indent = " ".repeat(prefix.length + longest <= width ? prefix.length : 6)
  const lines = own.length > 0 || doc.subcommands.length === 0 ? flow(own, width, prefix.trimEnd() + (own.length > 0 ? " " : ""), indent) : []
  return doc.subcommands.length > 0 ? [...lines, `${prefix}<command> ...`] : lines
}

const argRows = (doc: CommandDoc) =>
  doc.args.map((a): readonly [string, string] => [
    a.name,
    [a.description, a.choices.length > 0 ? `(one of ${a.choices.join(", ")})` : ""].filter((t) => t !== "").join(" ")
  ])

const subcommandRows = (doc: CommandDoc) =>
  doc.subcommands.map((c): readonly [string, string] => [
    c.name,
    c.subcommands.length === 0 ? c.summary : `${c.summary.replace(/\.$/, "")} (commands: ${c.subcommands.map((s) => s.name).join(", ")})`
  ])

/** Shell words with each option kept beside its value, so a line break falls before an option. */
const exampleUnits = (line: string): ReadonlyArray<string> =>
  shellWords(line).reduce<Array<string>>((units, word) => {
    const last = units[units.length - 1]
    if (last !== undefined && /^--?[A-Za-z][\w-]*$/.test(last) && !word.startsWith("-")) units[units.length - 1] = `${last} ${word}`
    else units.push(word)
    return units
  }, [])

const examples = (doc: CommandDoc, width: number) =>
  doc.examples.flatMap((e) => flow(exampleUnits(e), width, "  ", "      ", " \\"))

const EXIT_CODES: ReadonlyArray<readonly [string, string]> = [
  ["0", "success (also when serve or a connector stops on SIGINT/SIGTERM)"],
  ["1", "the command failed: stderr names the problem in one line (targets test: no 2xx answer; connector resubmit: events still rejected)"],
  ["2", "usage error: unknown command or option, a missing or bad value, a bad SWITCHBOARD_LOG_FORMAT or SWITCHBOARD_LOG_LEVEL (one line on stderr); also a role denied (connectors) and an input that cannot be used (connector resubmit)"],
  ["64", "usage error of switchboard connectors … (EX_USAGE)"]
]

const ENVIRONMENT: ReadonlyArray<readonly [string, string]> = [
  ["SWITCHBOARD_LOG_FORMAT", "json|pretty: JSON lines (default for serve and connector <type>) or lines for people (default when stderr is a terminal)"],
  ["SWITCHBOARD_LOG_LEVEL", "debug|info|warn|error: the least severe log line written (default info)"],
  ["NO_COLOR", "any value: no colour in help and in pretty log lines"],
  ["COLUMNS", "help width when stdout is not a terminal (default 80)"]
]

/** The help of `doc` (the root gets the global options, environment and exit codes). */
export const render = (doc: CommandDoc, style: Style): string => {
  const width = widthOf(style)
  const root = doc.path.length <= 1
  const section = (title: string, lines: ReadonlyArray<string>) => (lines.length === 0 ? [] : ["", heading(style, title), ...lines])
  const title = root ? `${pathText(doc)} ${style.version}: ${doc.summary}` : doc.summary
  const lines = [
    ...wrap(title, width),
    ...section("Usage:", usage(doc, width)),
    ...doc.details.flatMap((d) => ["", ...wrap(d, width)]),
    ...section("Arguments:", table(argRows(doc), width)),
    ...section("Options:", table(doc.options.map((o) => [optionLeft(o), o.description] as const), width)),
    ...section("Commands:", table(subcommandRows(doc), width)),
    ...section("Examples:", examples(doc, width)),
    ...(root
      ? [
        ...section("Global options (every command):", table(Argv.GLOBAL_OPTIONS.map((o) => [optionLeft(o), o.description] as const), width)),
        ...section("Environment:", table(ENVIRONMENT, width)),
        ...section("Exit codes:", table(EXIT_CODES, width))
      ]
      : ["", ...wrap(`Global options (--verbose, --log-level, --help, …), environment and exit codes: ${doc.path[0] ?? "switchboard"} --help`, width)])
  ]
  return lines.map((l) => l.trimEnd()).join("\n")
}
