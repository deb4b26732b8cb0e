/**
 * The `switchboard` command tree as plain data for `--help` and the argv checks: every command with its
 * path, description, arguments and options, read from @effect/cli's command descriptors. Those are the
 * library's internal instruction trees (0.77: Standard / Subcommands / Map; Options Single / WithDefault /
 * …); they are read field by field with guards, so a shape this does not know is skipped, never trusted,
 * and test/cli/Help.test.ts notices a command or option that went missing.
 */
import { Option, Predicate } from "effect"
import * as Help from "./Help.js"

/** One option of a command. */
export interface OptionDoc {
  /** `--role`, then its aliases (`-q`). */
  readonly names: ReadonlyArray<string>
  /** What the value looks like (`<text>`, `free|pro`); undefined for a flag, which takes none. */
  readonly value: string | undefined
  /** The values a choice option accepts (empty for others). */
  readonly choices: ReadonlyArray<string>
  /** What it is for (Options.withDescription). */
  readonly description: string
  /** The command refuses to run without it. */
  readonly required: boolean
  /** It may be given several times. */
  readonly repeatable: boolean
}

/** One positional argument of a command. */
export interface ArgDoc {
  /** `<ID>`. */
  readonly name: string
  /** The values a choice argument accepts (empty for others). */
  readonly choices: ReadonlyArray<string>
  /** What it is for (Args.withDescription). */
  readonly description: string
  /** It must be given. */
  readonly required: boolean
  /** It may be given several times. */
  readonly repeatable: boolean
}

/** One command, its parts and its subcommands. */
export interface CommandDoc {
  /** `create`. */
  readonly name: string
  /** `["switchboard", "token", "create"]`. */
  readonly path: ReadonlyArray<string>
  /** The one-line description. */
  readonly summary: string
  /** Further paragraphs of the description. */
  readonly details: ReadonlyArray<string>
  /** Full command lines. */
  readonly examples: ReadonlyArray<string>
  /** Positional arguments, in order. */
  readonly args: ReadonlyArray<ArgDoc>
  /** Its own options (not the global ones). */
  readonly options: ReadonlyArray<OptionDoc>
  /** Its subcommands, in the order they were declared. */
  readonly subcommands: ReadonlyArray<CommandDoc>
}

const get = (u: unknown, key: string): unknown => (Predicate.hasProperty(u, key) ? u[key] : undefined)
const tagOf = (u: unknown): string => {
  const tag = get(u, "_tag")
  return typeof tag === "string" ? tag : ""
}
const stringOf = (u: unknown, key: string): string => {
  const value = get(u, key)
  return typeof value === "string" ? value : ""
}
const arrayOf = (u: unknown, key: string): ReadonlyArray<unknown> => {
  const value = get(u, key)
  return Array.isArray(value) ? value : []
}
const someString = (u: unknown): string | undefined =>
  Option.isOption(u) && Option.isSome(u) && typeof u.value === "string" ? u.value : undefined

/** The text of a HelpDoc Span. */
const spanText = (span: unknown): string => {
  switch (tagOf(span)) {
    case "Text":
    case "URI":
      return stringOf(span, "value")
    case "Strong":
    case "Weak":
    case "Highlight":
      return spanText(get(span, "value"))
    case "Sequence":
      return spanText(get(span, "left")) + spanText(get(span, "right"))
    default:
      return ""
  }
}

/** The text of a HelpDoc: each block on its own line. */
export const textOf = (doc: unknown): string => {
  switch (tagOf(doc)) {
    case "Paragraph":
    case "Header":
      return spanText(get(doc, "value"))
    case "Sequence":
      return [textOf(get(doc, "left")), textOf(get(doc, "right"))].filter((t) => t !== "").join("\n")
    case "Enumeration":
      return arrayOf(doc, "elements").map(textOf).join("\n")
    case "DescriptionList":
      return arrayOf(doc, "definitions")
        .map((d) => (Array.isArray(d) ? `${spanText(d[0])}: ${textOf(d[1])}` : ""))
        .join("\n")
    default:
      return ""
  }
}

const choicesOf = (primitive: unknown): ReadonlyArray<string> =>
  tagOf(primitive) === "Choice"
    ? arrayOf(primitive, "alternatives").flatMap((a) => (Array.isArray(a) && typeof a[0] === "string" ? [a[0]] : []))
    : []

const TYPE_HINTS: Readonly<Record<string, string>> = {
  Integer: "<integer>",
  Float: "<number>",
  DateTime: "<date>",
  Redacted: "<secret>",
  Secret: "<secret>",
  Text: "<text>"
}

/** The value hint of an option: its pseudo name (`a|b` shown as it is), its choices, else its type. */
const valueHint = (single: unknown): string | undefined => {
  const primitive = get(single, "primitiveType")
  const tag = tagOf(primitive)
  if (tag === "Bool") return undefined
  const pseudo = someString(get(single, "pseudoName"))
  if (pseudo !== undefined) return pseudo.includes("|") ? pseudo : `<${pseudo}>`
  const choices = choicesOf(primitive)
  if (choices.length > 0) return choices.join("|")
  if (tag === "Path") return `<${stringOf(primitive, "pathType") === "directory" ? "dir" : "file"}>`
  return TYPE_HINTS[tag] ?? "<value>"
}

interface Mods {
  readonly optional: boolean
  readonly repeatable: boolean
}
const PLAIN: Mods = { optional: false, repeatable: false }
const dash = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`)
const minOf = (u: unknown): number => {
  const min = get(u, "min")
  return Option.isOption(min) && Option.isSome(min) && typeof min.value === "number" ? min.value : 0
}

const optionsOf = (u: unknown, m: Mods): ReadonlyArray<OptionDoc> => {
  switch (tagOf(u)) {
    case "Single":
      return [{
        names: [dash(stringOf(u, "name")), ...arrayOf(u, "aliases").flatMap((a) => (typeof a === "string" ? [dash(a)] : []))],
        value: valueHint(u),
        choices: choicesOf(get(u, "primitiveType")),
        description: textOf(get(u, "description")).replace(/\s*\n\s*/g, " "),
        required: !m.optional,
        repeatable: m.repeatable
      }]
    case "Map":
      return optionsOf(get(u, "options"), m)
    case "WithDefault":
    case "WithFallback":
      return optionsOf(get(u, "options"), { ...m, optional: true })
    case "Both":
      return [...optionsOf(get(u, "left"), m), ...optionsOf(get(u, "right"), m)]
    case "OrElse":
      return [...optionsOf(get(u, "left"), { ...m, optional: true }), ...optionsOf(get(u, "right"), { ...m, optional: true })]
    case "KeyValueMap":
      return optionsOf(get(u, "argumentOption"), { ...m, repeatable: true })
    case "Variadic":
      return optionsOf(get(u, "argumentOption"), { optional: m.optional || minOf(u) === 0, repeatable: true })
    default:
      return []
  }
}

const argsOf = (u: unknown, m: Mods): ReadonlyArray<ArgDoc> => {
  switch (tagOf(u)) {
    case "Single": {
      const name = someString(get(u, "pseudoName")) ?? stringOf(u, "name")
      return [{
        name: `<${name}>`,
        choices: choicesOf(get(u, "primitiveType")),
        description: textOf(get(u, "description")).replace(/\s*\n\s*/g, " "),
        required: !m.optional,
        repeatable: m.repeatable
      }]
    }
    case "Map":
      return argsOf(get(u, "args"), m)
    case "Both":
      return [...argsOf(get(u, "left"), m), ...argsOf(get(u, "right"), m)]
    case "Variadic":
      return argsOf(get(u, "args"), { optional: m.optional || minOf(u) === 0, repeatable: true })
    case "WithDefault":
    case "WithFallbackConfig":
      return argsOf(get(u, "args"), { ...m, optional: true })
    default:
      return []
  }
}

const commandOf = (u: unknown, parent: ReadonlyArray<string>): CommandDoc | undefined => {
  switch (tagOf(u)) {
    case "Map":
      return commandOf(get(u, "command"), parent)
    case "Standard":
    case "GetUserInput": {
      const name = stringOf(u, "name")
      return {
        name,
        path: [...parent, name],
        ...Help.parse(textOf(get(u, "description"))),
        args: argsOf(get(u, "args"), PLAIN),
        options: optionsOf(get(u, "options"), PLAIN),
        subcommands: []
      }
    }
    case "Subcommands": {
      const base = commandOf(get(u, "parent"), parent)
      if (base === undefined) return undefined
      const subcommands = arrayOf(u, "children").flatMap((c) => commandOf(c, base.path) ?? [])
      return { ...base, subcommands: [...base.subcommands, ...subcommands] }
    }
    default:
      return undefined
  }
}

/** The tree of a command made with `Command.make` (its `descriptor`). */
export const fromCommand = (command: { readonly descriptor: unknown }): CommandDoc =>
  commandOf(command.descriptor, []) ?? { name: "", path: [], summary: "", details: [], examples: [], args: [], options: [], subcommands: [] }

/** Every command of the tree, the root first, each before its subcommands. */
export const all = (root: CommandDoc): ReadonlyArray<CommandDoc> => [root, ...root.subcommands.flatMap(all)]

/** `switchboard token create`. */
export const pathText = (doc: CommandDoc): string => doc.path.join(" ")
