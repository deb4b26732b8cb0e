/**
 * How a `switchboard` command describes itself for `--help` (rendered by HelpRender.ts, checked by
 * test/cli/Help.test.ts): `Command.withDescription(Help.describe(summary, { details, examples }))`.
 * The text it makes is plain: a one-line summary, blank-line separated detail paragraphs, and one
 * `Example: switchboard …` line per example. Every command needs at least one example, written as the
 * full command line a user types; options and arguments get `Options.withDescription("…")` /
 * `Args.withDescription("…")` (what the value means, not its type: the help prints the type itself;
 * `Options.withPseudoName("a|b")` shows a short hint such as the values a text option accepts).
 */

/** The prefix of an example line in a command description. */
export const EXAMPLE = "Example: "

const INLINE = /(?<=\s)Example: (switchboard\s.*)$/

/** A command's description: its summary line, further paragraphs, and examples (full command lines). */
export const describe = (
  summary: string,
  more: { readonly details?: ReadonlyArray<string>; readonly examples: ReadonlyArray<string> }
): string => [summary, ...(more.details ?? []).flatMap((d) => ["", d]), "", ...more.examples.map((e) => `${EXAMPLE}${e}`)].join("\n")

/** A description split into its parts again. */
export interface Described {
  /** The one-line description (the first paragraph). */
  readonly summary: string
  /** The further paragraphs. */
  readonly details: ReadonlyArray<string>
  /** Full command lines (`switchboard token create …`). */
  readonly examples: ReadonlyArray<string>
}

/** The parts of a description made by `describe` (or written by hand in the same shape). */
export const parse = (text: string): Described => {
  // "… Example: switchboard …" at the end of a line is an example too (written inline).
  const lines = text.split("\n").flatMap((l) => {
    const inline = l.match(INLINE)
    return inline === null ? [l.trim()] : [l.slice(0, inline.index).trim(), `${EXAMPLE}${inline[1]!.trim()}`]
  })
  const examples = lines.filter((l) => l.startsWith(EXAMPLE)).map((l) => l.slice(EXAMPLE.length).trim())
  const paragraphs: Array<string> = []
  let current: Array<string> = []
  for (const line of lines.filter((l) => !l.startsWith(EXAMPLE))) {
    if (line === "") {
      if (current.length > 0) paragraphs.push(current.join(" "))
      current = []
    } else current.push(line)
  }
  if (current.length > 0) paragraphs.push(current.join(" "))
  return { summary: paragraphs[0] ?? "", details: paragraphs.slice(1), examples }
}
