/**
 * Runs `sh` blocks one after another as if typed into one terminal (scripts/ops/prelude.sh carries the
 * variables and the directory from block to block). Each block is its own bash process group, so what
 * a block leaves running in the background (the hub, a connector) can be stopped when the run ends:
 * SIGTERM to every group the runner started, SIGKILL to what is still there 15 s later.
 */
import { Duration, Effect, Option, Schedule } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { Block } from "./DocBlocks.js"

const PRELUDE = Path.join(import.meta.dirname, "prelude.sh")

/** How one block ended: its exit code (or a timeout), how long it took, what it printed (stdout and stderr, interleaved). */
export interface Outcome {
  readonly block: Block
  readonly exit: number | "timeout"
  readonly durationMs: number
  readonly output: string
}

const alive = (pgid: number) => {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

const signal = (pgid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(-pgid, sig)
  } catch {
    // the group is gone already
  }
}

/** Waits (up to `within`) until none of `groups` has a process left. */
const gone = (groups: ReadonlyArray<number>, within: Duration.DurationInput) =>
  Effect.sync(() => groups.filter(alive)).pipe(
    Effect.repeat({ schedule: Schedule.spaced("200 millis"), until: (left) => left.length === 0 }),
    Effect.timeoutOption(within)
  )

/** Runs blocks in order, each seeing the variables, functions and directory the previous one left. */
export interface Runner {
  /** Runs one block to its end (or its timeout, which kills its process group). */
  readonly run: (block: Block) => Effect.Effect<Outcome>
  /** A runner that starts from this one's state and goes on by itself (a lane run beside others). */
  readonly fork: (name: string) => Runner
  /** Takes over what the lanes set (variables and functions; this runner's directory stays). */
  readonly absorb: (lanes: ReadonlyArray<Runner>) => void
  readonly stateDir: string
}

const STATE_FILES = ["vars.sh", "funcs.sh", "pwd", "umask"]

const lines = (file: string) => (Fs.existsSync(file) ? Fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [])

/** A runner whose blocks run in `dir` with `env`; its scope's end stops everything they left running. */
export const make = (options: { readonly dir: string; readonly env: Record<string, string> }) =>
  Effect.gen(function*() {
    /** Every process group started, in order (one per block). */
    const groups: Array<number> = []
    const serial = { n: 0 }

    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        const started = [...groups]
        started.forEach((g) => signal(g, "SIGTERM"))
        const left = yield* gone(started, "15 seconds")
        Option.match(left, { onNone: () => started.forEach((g) => signal(g, "SIGKILL")), onSome: () => undefined })
      })
    )

    const spawn = (stateDir: string, file: string, out: string) =>
      Effect.async<number, never>((resume) => {
        const fd = Fs.openSync(out, "w")
        const child = ChildProcess.spawn("bash", ["--noprofile", "--norc", PRELUDE, stateDir, file], {
          cwd: options.dir,
          env: options.env,
          detached: true,
          stdio: ["ignore", fd, fd]
        })
        Fs.closeSync(fd)
        const pgid = child.pid
        if (pgid !== undefined) groups.push(pgid)
        child.once("error", () => resume(Effect.succeed(127)))
        child.once("exit", (code, sig) => resume(Effect.succeed(code ?? (sig === null ? 1 : 128))))
        return Effect.sync(() => {
          if (pgid !== undefined) signal(pgid, "SIGKILL")
        })
      })

    const runner = (stateDir: string): Runner => {
      Fs.mkdirSync(stateDir, { recursive: true })
      const run = (block: Block) =>
        Effect.gen(function*() {
          const n = ++serial.n
          const file = Path.join(stateDir, `block-${String(n).padStart(3, "0")}-line-${block.line}.sh`)
          const out = `${file}.out`
          Fs.writeFileSync(file, `${block.code}\n`)
          const start = Date.now()
          const exit = yield* spawn(stateDir, file, out).pipe(Effect.timeoutOption(Duration.seconds(block.timeoutS)))
          const output = Fs.existsSync(out) ? Fs.readFileSync(out, "utf8") : ""
          return {
            block,
            exit: Option.getOrElse(exit, (): "timeout" => "timeout"),
            durationMs: Date.now() - start,
            output
          } satisfies Outcome
        })
      const fork = (name: string) => {
        const laneDir = `${stateDir}-${name}`
        Fs.mkdirSync(laneDir, { recursive: true })
        for (const f of STATE_FILES) {
          if (Fs.existsSync(Path.join(stateDir, f))) Fs.copyFileSync(Path.join(stateDir, f), Path.join(laneDir, f))
        }
        return runner(laneDir)
      }
      /** Each variable a lane changed is appended (sourced later, it wins); functions likewise. */
      const absorb = (lanes: ReadonlyArray<Runner>) => {
        for (const f of ["vars.sh", "funcs.sh"]) {
          const base = lines(Path.join(stateDir, f))
          const known = new Set(base)
          const added = lanes.flatMap((lane) => lines(Path.join(lane.stateDir, f)).filter((l) => !known.has(l)))
          if (f === "vars.sh") Fs.writeFileSync(Path.join(stateDir, f), [...base, ...added, ""].join("\n"))
          else if (added.length > 0) Fs.writeFileSync(Path.join(stateDir, f), lanes.map((l) => Fs.readFileSync(Path.join(l.stateDir, f), "utf8")).join("\n"))
        }
      }
      return { run, fork, absorb, stateDir }
    }

    const root = runner(Path.join(options.dir, ".check"))
    Fs.writeFileSync(Path.join(root.stateDir, "pwd"), `${options.dir}\n`)
    return root
  })
