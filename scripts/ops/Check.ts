/**
 * Checks a runbook by running it: parses the document (DocBlocks), builds the scratch world (Stage),
 * runs every `sh` block in order with the world's variables (BlockRunner) and performs each directive
 * where it stands. A block fails when its exit code is not the one it declares (`# exit N`, default 0)
 * or it outlives its timeout; a failure is reported with the line of the block's opening fence.
 */
import { Console, Effect } from "effect"
import * as Fs from "node:fs"
import * as BlockRunner from "./BlockRunner.js"
import * as DocBlocks from "./DocBlocks.js"
import * as Stage from "./Stage.js"

/** A block (or directive, or the document itself) that did not do what the document says. */
export interface Failure {
  readonly line: number
  readonly message: string
  readonly output: string
}

export interface Report {
  readonly outcomes: ReadonlyArray<BlockRunner.Outcome>
  readonly failures: ReadonlyArray<Failure>
  /** Lines of the `sh-norun` blocks (kept, never run). */
  readonly norun: ReadonlyArray<number>
  readonly durationMs: number
}

export interface Options {
  /** Stop at the first failure (later blocks usually depend on earlier ones). */
  readonly bail?: boolean
  /** Keep the working directory (its `.check/` holds every block and its output). */
  readonly keepWorkDir?: boolean
  /** Called as each step ends (progress for people). */
  readonly onStep?: (line: string) => Effect.Effect<void>
  /** Extra variables for the blocks, over the stage's. */
  readonly env?: Record<string, string>
}

const tail = (text: string, lines = 25) => text.trimEnd().split("\n").slice(-lines).join("\n")

/** Names what went wrong with one block, or undefined when it did what it says. */
export const verdict = (outcome: BlockRunner.Outcome): string | undefined => {
  const { block, exit } = outcome
  if (exit === "timeout") return `still running after ${block.timeoutS} s (# timeout ${block.timeoutS})`
  if (exit !== block.expectExit) return `exited ${exit}, expected ${block.expectExit}`
  return undefined
}

/** The environment the blocks see: this process's, without the test runner's own, plus the stage's. */
const blockEnv = (stage: Record<string, string>, extra: Record<string, string>) => {
  const base = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] =>
      entry[1] !== undefined && !entry[0].startsWith("VITEST") && entry[0] !== "NODE_OPTIONS" && !entry[0].startsWith("SWITCHBOARD_") &&
      !entry[0].startsWith("CONNECTOR_")
    )
  )
  return { ...base, ...stage, ...extra }
}

/** A lane: steps run in order, beside the other lanes of its group. */
interface Lane {
  readonly name: string
  readonly line: number
  readonly steps: Array<DocBlocks.Step>
}

type Segment = { readonly _tag: "Step"; readonly step: DocBlocks.Step } | { readonly _tag: "Lanes"; readonly lanes: Array<Lane> }

/**
 * Groups the steps: `<!-- check: lane NAME -->` starts a lane (ending the one before it), `<!-- check: join -->`
 * ends the group; the lanes of one group run at the same time, each on a copy of the state, and what they set
 * is there after the join. Lanes must not depend on one another (different connectors, files, ports).
 */
export const segments = (steps: ReadonlyArray<DocBlocks.Step>): { readonly segments: Array<Segment>; readonly problems: Array<Failure> } => {
  const out: Array<Segment> = []
  const problems: Array<Failure> = []
  let group: Array<Lane> | undefined
  for (const step of steps) {
    if (step._tag === "Directive" && step.action === "lane") {
      const name = step.args[0] ?? ""
      if (!/^[a-z][a-z0-9-]{0,31}$/.test(name) || step.args.length !== 1) {
        problems.push({ line: step.line, message: "lane needs one name (a-z, 0-9, -)", output: "" })
      } else if (group?.some((l) => l.name === name)) {
        problems.push({ line: step.line, message: `lane "${name}" twice in one group`, output: "" })
      }
      if (group === undefined) {
        group = []
        out.push({ _tag: "Lanes", lanes: group })
      }
      group.push({ name, line: step.line, steps: [] })
    } else if (step._tag === "Directive" && step.action === "join") {
      if (group === undefined) problems.push({ line: step.line, message: "join without a lane before it", output: "" })
      group = undefined
    } else if (group !== undefined) group.at(-1)!.steps.push(step)
    else out.push({ _tag: "Step", step })
  }
  if (group !== undefined) problems.push({ line: group[0]!.line, message: "lanes never joined (<!-- check: join -->)", output: "" })
  return { segments: out, problems }
}

/** Runs the document at `path`. */
export const check = (path: string, options: Options = {}) =>
  Effect.scoped(Effect.gen(function*() {
    const started = Date.now()
    const say = options.onStep ?? ((line: string) => Console.log(line))
    const { parsed, problems } = DocBlocks.parse(Fs.readFileSync(path, "utf8"))
    const grouped = segments(parsed.steps)
    const failures: Array<Failure> = [...problems.map((p) => ({ line: p.line, message: p.message, output: "" })), ...grouped.problems]
    const outcomes: Array<BlockRunner.Outcome> = []
    const report = (): Report => ({ outcomes, failures, norun: parsed.norun, durationMs: Date.now() - started })
    if (failures.length > 0) return report()
    const stage = yield* Stage.make({ keepWorkDir: options.keepWorkDir === true })
    if (options.keepWorkDir === true) yield* say(`working directory: ${stage.dir}`)
    const root = yield* BlockRunner.make({ dir: stage.dir, env: blockEnv(stage.env, options.env ?? {}) })

    /** One step on `runner`; its outcome goes to `into`. */
    const runStep = (runner: BlockRunner.Runner, step: DocBlocks.Step, into: Array<BlockRunner.Outcome>, lane: string) =>
      Effect.gen(function*() {
        if (options.bail === true && failures.length > 0) return
        if (step._tag === "Directive") {
          const done = yield* stage.act(step.action, step.args).pipe(Effect.either)
          if (done._tag === "Left") failures.push({ line: step.line, message: done.left.message, output: "" })
          yield* say(done._tag === "Left" ? `✗ line ${step.line}: ${done.left.message}` : `  line ${step.line}${lane}: (${done.right})`)
          return
        }
        const outcome = yield* runner.run(step)
        into.push(outcome)
        const problem = verdict(outcome)
        const seconds = (outcome.durationMs / 1000).toFixed(1)
        if (problem === undefined) return yield* say(`✓ line ${step.line}${lane} (${seconds} s)`)
        failures.push({ line: step.line, message: problem, output: tail(outcome.output) })
        yield* say(`✗ line ${step.line}${lane}: ${problem} (${seconds} s)\n${tail(outcome.output).replace(/^/gm, "    ")}`)
      })

    for (const segment of grouped.segments) {
      if (segment._tag === "Step") {
        yield* runStep(root, segment.step, outcomes, "")
        continue
      }
      const lanes = segment.lanes.map((lane) => ({ lane, runner: root.fork(lane.name), outcomes: [] as Array<BlockRunner.Outcome> }))
      yield* Effect.forEach(lanes, ({ lane, outcomes: into, runner }) =>
        Effect.forEach(lane.steps, (step) => runStep(runner, step, into, ` [${lane.name}]`), { discard: true }), {
        concurrency: "unbounded",
        discard: true
      })
      root.absorb(lanes.map((l) => l.runner))
      outcomes.push(...lanes.flatMap((l) => l.outcomes))
    }
    failures.sort((a, b) => a.line - b.line)
    return report()
  }))

/** The report as Markdown: every block that ran and what it printed (to copy real output into the doc). */
export const transcript = (report: Report) =>
  report.outcomes.map((o) =>
    [
      `### line ${o.block.line}: exit ${o.exit} in ${(o.durationMs / 1000).toFixed(1)} s`,
      "```sh",
      o.block.code,
      "```",
      "```text",
      o.output.trimEnd(),
      "```",
      ""
    ].join("\n")
  ).join("\n")
