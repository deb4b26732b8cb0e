/**
 * Summarizes V8 .cpuprofile files (from `node --cpu-prof`, e.g. BENCH_PROFILE_DIR of the ingest bench):
 * self time by package / area and the top functions by self time, as shares of the busy (non-idle) time.
 * A folder contributes the main-thread profiles in it; a file is taken as given.
 *
 *   tsx scripts/bench/profile-summary.ts bench-results/profiles/a [--top 30] [--skip-s 8 | --last-s 20]
 */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Schema } from "effect"
import * as Path from "node:path"

const CpuProfile = Schema.parseJson(Schema.Struct({
  nodes: Schema.Array(Schema.Struct({
    id: Schema.Number,
    callFrame: Schema.Struct({ functionName: Schema.String, url: Schema.String, lineNumber: Schema.Number }),
    children: Schema.optional(Schema.Array(Schema.Number))
  })),
  samples: Schema.Array(Schema.Number),
  timeDeltas: Schema.Array(Schema.Number)
}))
type CpuProfile = typeof CpuProfile.Type

const root = Path.resolve(import.meta.dirname, "../..")

/** Which package or part of the code a frame belongs to. */
const areaOf = (url: string, name: string): string => {
  if (url === "") return name.startsWith("(") ? name : "(V8 builtins / native)"
  if (url.startsWith("node:")) return "node: internals"
  const nm = url.lastIndexOf("/node_modules/")
  if (nm >= 0) {
    const parts = url.slice(nm + "/node_modules/".length).split("/")
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0] ?? url
  }
  const file = url.replace(/^file:\/\//, "")
  return file.startsWith(root) ? `switchboard ${Path.relative(root, file).split("/").slice(0, 2).join("/")}` : file
}

const frameKey = (url: string, name: string, line: number) => {
  const file = url.replace(/^file:\/\//, "")
  const short = file.includes("/node_modules/")
    ? file.slice(file.lastIndexOf("/node_modules/") + 14)
    : file.startsWith(root) ? Path.relative(root, file) : file
  return `${name || "(anonymous)"} ${short === "" ? "" : `${short}:${line + 1}`}`.trim()
}

/** Node names profiles CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread (tsx adds a loader thread). */
const isMainThread = (name: string) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(name)

/** Frames worth naming as callers: code with a file, outside effect's fiber runtime and node's internals. */
const isCallerFrame = (url: string) => url !== "" && !url.startsWith("node:") && !url.includes("/node_modules/effect/")

const IDLE = new Set(["(idle)", "(program)", "(root)"])

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v)

const summarize = (profiles: ReadonlyArray<CpuProfile>, top: number, skipUs: number, lastUs: number) => {
  const byArea = new Map<string, number>()
  const byFunction = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let busy = 0
  let idle = 0
  for (const p of profiles) {
    const nodes = new Map(p.nodes.map((n) => [n.id, n.callFrame]))
    const parents = new Map(p.nodes.flatMap((n) => (n.children ?? []).map((c) => [c, n.id] as const)))
    const stacks = new Map<number, ReadonlyArray<string>>()
    /** The distinct frames on the stack of a node that are neither effect's runtime nor node's internals. */
    const stackOf = (id: number): ReadonlyArray<string> => {
      const known = stacks.get(id)
      if (known !== undefined) return known
      const frame = nodes.get(id)
      const parent = parents.get(id)
      const above = parent === undefined ? [] : stackOf(parent)
      const own = frame === undefined || !isCallerFrame(frame.url)
        ? undefined
        : frameKey(frame.url, frame.functionName, frame.lineNumber)
      const stack = own === undefined || above.includes(own) ? above : [...above, own]
      stacks.set(id, stack)
      return stack
    }
    const totalUs = p.timeDeltas.reduce((a, b) => a + b, 0)
    const fromUs = Math.max(skipUs, lastUs > 0 ? totalUs - lastUs : 0)
    let at = 0
    p.samples.forEach((id, i) => {
      const frame = nodes.get(id)
      at += p.timeDeltas[i] ?? 0
      const us = p.timeDeltas[i + 1] ?? 0
      if (frame === undefined || at < fromUs) return
      if (IDLE.has(frame.functionName) && frame.url === "") return void (idle += us)
      busy += us
      add(byArea, areaOf(frame.url, frame.functionName), us)
      add(byFunction, frameKey(frame.url, frame.functionName, frame.lineNumber), us)
      stackOf(id).forEach((key) => add(inclusive, key, us))
    })
  }
  const pct = (us: number) => `${((100 * us) / Math.max(busy, 1)).toFixed(1).padStart(5)} %`
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1])
  return [
    `busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s (${profiles.length} profile(s))`,
    "",
    "self time by package / area:",
    ...sorted(byArea).slice(0, 20).map(([k, us]) => `${pct(us)} ${ms(us)}  ${k}`),
    "",
    `top ${top} functions by self time:`,
    ...sorted(byFunction).slice(0, top).map(([k, us]) => `${pct(us)} ${ms(us)}  ${k}`),
    "",
    `top ${top} functions by total time (self + callees), leaving out effect's runtime and node internals:`,
    ...sorted(inclusive).slice(0, top).map(([k, us]) => `${pct(us)} ${ms(us)}  ${k}`)
  ]
}

const summary = Command.make("profile-summary", {
  paths: Args.text({ name: "PATH" }).pipe(Args.repeated, Args.withDescription(".cpuprofile files or folders")),
  top: Options.integer("top").pipe(Options.withDefault(30)),
  skip: Options.float("skip-s").pipe(
    Options.withDefault(0),
    Options.withDescription("ignore the first seconds of each profile (start-up, warm-up)")
  ),
  last: Options.float("last-s").pipe(
    Options.withDefault(0),
    Options.withDescription("only the last seconds of each profile (the measured load ends just before exit)")
  )
}, (o) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const files = yield* Effect.flatMap(
      Effect.forEach(o.paths, (p) =>
        Effect.flatMap(fs.stat(p), (info) =>
          info.type === "Directory"
            ? Effect.map(fs.readDirectory(p), (names) => names.filter(isMainThread).map((n) => Path.join(p, n)))
            : Effect.succeed([p]))),
      (lists) => Effect.succeed(lists.flat())
    )
    const profiles = yield* Effect.forEach(files, (f) => Effect.flatMap(fs.readFileString(f), Schema.decode(CpuProfile)))
    yield* Console.log(summarize(profiles, o.top, o.skip * 1e6, o.last * 1e6).join("\n"))
  }))

Command.run(summary, { name: "profile-summary", version: "0.1.0" })(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
