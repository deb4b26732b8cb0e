/**
 * Reads a runbook written in Markdown into the steps the operations-doc checker runs, in document order:
 * every fenced block tagged `sh` is a command block (its first lines may carry `# exit N`: the exit code
 * it is expected to end with, default 0; `# timeout N`: seconds it may take, default 90), blocks tagged
 * `sh-norun` are counted but never run, every other tag (`text`, `yaml`, …) is an output sample or file.
 * A line `<!-- check: <action> [args…] -->` outside a block is a directive: the checker changes the world
 * there (a message arrives at the source, the database goes away) before the next block runs.
 */

/** One `sh` block: its code, the line of its opening fence, the exit code and time it is allowed. */
export interface Block {
  readonly _tag: "Block"
  readonly line: number
  readonly code: string
  readonly expectExit: number
  readonly timeoutS: number
}

/** `<!-- check: action args -->`: an action the checker performs before the next block. */
export interface Directive {
  readonly _tag: "Directive"
  readonly line: number
  readonly action: string
  readonly args: ReadonlyArray<string>
}

export type Step = Block | Directive

/** What a document holds: the steps to run and how many `sh-norun` blocks it keeps. */
export interface Parsed {
  readonly steps: ReadonlyArray<Step>
  readonly norun: ReadonlyArray<number>
}

/** A fence that never closes, or an annotation that does not parse. */
export interface ParseProblem {
  readonly line: number
  readonly message: string
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/
const DIRECTIVE = /^\s*<!--\s*check:\s*([a-z][a-z0-9-]*)((?:\s+[^\s]+)*)\s*-->\s*$/
const ANNOTATION = /^#\s*(exit|timeout)\s+(\S+)\s*$/
const DEFAULT_TIMEOUT_S = 90

/** The steps of `markdown`, or the problems that keep it from being checked. */
export const parse = (markdown: string): { readonly parsed: Parsed; readonly problems: ReadonlyArray<ParseProblem> } => {
  const lines = markdown.split("\n")
  const steps: Array<Step> = []
  const norun: Array<number> = []
  const problems: Array<ParseProblem> = []
  let i = 0
  while (i < lines.length) {
    const text = lines[i]!
    const fence = FENCE.exec(text)
    if (fence === null) {
      const directive = DIRECTIVE.exec(text)
      if (directive !== null) {
        const args = (directive[2] ?? "").trim().split(/\s+/).filter((a) => a !== "")
        steps.push({ _tag: "Directive", line: i + 1, action: directive[1]!, args })
      }
      i++
      continue
    }
    const opening = i + 1
    const marker = fence[2]!
    const tag = fence[3] ?? ""
    const body: Array<string> = []
    i++
    while (i < lines.length && !lines[i]!.trimStart().startsWith(marker)) body.push(lines[i++]!)
    if (i >= lines.length) {
      problems.push({ line: opening, message: "code block is never closed" })
      break
    }
    i++
    if (tag === "sh-norun") norun.push(opening)
    if (tag !== "sh") continue
    let expectExit = 0
    let timeoutS = DEFAULT_TIMEOUT_S
    for (const l of body) {
      const note = ANNOTATION.exec(l.trim())
      if (note === null) {
        if (l.trim() === "" || l.trim().startsWith("#")) continue
        break
      }
      const n = Number(note[2])
      if (!Number.isInteger(n) || n < 0 || (note[1] === "exit" && n > 255)) {
        problems.push({ line: opening, message: `"# ${note[1]} ${note[2]}" needs a whole number` })
      } else if (note[1] === "exit") expectExit = n
      else timeoutS = n
    }
    steps.push({ _tag: "Block", line: opening, code: body.join("\n"), expectExit, timeoutS })
  }
  return { parsed: { steps, norun }, problems }
}
