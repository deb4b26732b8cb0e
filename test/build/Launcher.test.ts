/**
 * scripts/switchboard, the launcher, on a temporary copy of what it reads: itself, a stand-in for
 * scripts/build.mjs (writes two stub entries and counts its runs), one source file to touch, and
 * node_modules (a link, for tsx). It runs the build, not tsx; a plain `connector <type>` runs the
 * connector entry; a source newer than the build, or a missing entry, is rebuilt first; a failed build
 * falls back to the sources; SWITCHBOARD_FROM_SOURCE=1 runs the sources.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Child from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { repo } from "../support/Cli.js"

/** A stub entry: prints which one ran and its arguments (after the Node options it was given, if any). */
const stub = (name: string) =>
  `process.stdout.write(${JSON.stringify(`${name}:`)} + process.execArgv.map((o) => "[" + o + "] ").join("") + process.argv.slice(2).join(" ") + "\\n")\n`

/** Stands in for scripts/build.mjs: counts its runs in .builds, writes both stub entries, or fails when told to. */
const fakeBuild = `import * as fs from "node:fs"
import * as path from "node:path"
const root = path.resolve(import.meta.dirname, "..")
fs.appendFileSync(path.join(root, ".builds"), "build\\n")
if (fs.existsSync(path.join(root, "fail-build"))) { process.stderr.write("build: failed: on purpose\\n"); process.exit(1) }
fs.mkdirSync(path.join(root, "dist"), { recursive: true })
for (const name of ["switchboard", "connector"]) fs.writeFileSync(path.join(root, "dist", name + ".js"), ${JSON.stringify(stub("@NAME@"))}.replace("@NAME@", name))
`

const makeCopy = () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sb-startup-launcher-"))
  for (const sub of ["scripts", "src", "layers", "services", "migrations", "dist"]) Fs.mkdirSync(Path.join(dir, sub))
  Fs.copyFileSync(Path.join(repo, "scripts/switchboard"), Path.join(dir, "scripts/switchboard"))
  Fs.writeFileSync(Path.join(dir, "scripts/build.mjs"), fakeBuild)
  // TypeScript (a type annotation) that says whether tsx's loader was given.
  Fs.writeFileSync(
    Path.join(dir, "src/main.ts"),
    `const tsx: boolean = process.execArgv.some((o) => o.includes("tsx"))\n` +
      `process.stdout.write("sources:" + (tsx ? "[tsx] " : "") + process.argv.slice(2).join(" ") + "\\n")\n`
  )
  Fs.writeFileSync(Path.join(dir, "package-lock.json"), "{}\n")
  Fs.symlinkSync(Path.join(repo, "node_modules"), Path.join(dir, "node_modules"))
  Fs.writeFileSync(Path.join(dir, "dist/switchboard.js"), stub("switchboard"))
  Fs.writeFileSync(Path.join(dir, "dist/connector.js"), stub("connector"))
  // The build is newer than every source (as after `npm ci`).
  const past = new Date(Date.now() - 60_000)
  for (const file of ["scripts/switchboard", "scripts/build.mjs", "src/main.ts", "package-lock.json"]) Fs.utimesSync(Path.join(dir, file), past, past)
  return dir
}

const copy = Effect.acquireRelease(Effect.sync(makeCopy), (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))

/** Runs the copy's launcher from another directory; its stdout, stderr and the number of builds so far. */
const launch = (dir: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.sync(() => {
    const r = Child.spawnSync(Path.join(dir, "scripts/switchboard"), [...args], {
      cwd: Os.tmpdir(),
      env: { ...process.env, SWITCHBOARD_FROM_SOURCE: "", ...env },
      encoding: "utf8"
    })
    const builds = Fs.existsSync(Path.join(dir, ".builds")) ? Fs.readFileSync(Path.join(dir, ".builds"), "utf8").split("\n").filter((l) => l !== "").length : 0
    return { stdout: r.stdout.trim(), stderr: r.stderr.trim(), status: r.status, builds }
  })

describe("scripts/switchboard", () => {
  it.scoped("runs the build when it is current, without rebuilding; the connector entry only for a plain `connector <type>`", () =>
    Effect.gen(function*() {
      const dir = yield* copy
      assert.deepInclude(yield* launch(dir, ["connector", "telegram"]), { stdout: "connector:connector telegram", builds: 0, status: 0 })
      for (const args of [["connector", "telegram", "--help"], ["connector", "resubmit"], ["connector", "--help"], ["connector"], ["serve", "telegram"]]) {
        assert.strictEqual((yield* launch(dir, args)).stdout, `switchboard:${args.join(" ")}`, args.join(" "))
      }
    }))

  it.scoped("admin commands run the embedded database's WebAssembly on the baseline compiler; the hub, migrate and connectors do not", () =>
    Effect.gen(function*() {
      const dir = yield* copy
      assert.deepInclude(yield* launch(dir, ["token", "list"]), { stdout: "switchboard:[--liftoff-only] token list", builds: 0, status: 0 })
      assert.strictEqual((yield* launch(dir, ["--verbose", "requests", "list"])).stdout, "switchboard:[--liftoff-only] --verbose requests list")
      for (const args of [["serve"], ["--log-level", "debug", "serve"], ["migrate"], ["--verbose", "migrate"], ["connector", "resubmit"]]) {
        assert.strictEqual((yield* launch(dir, args)).stdout, `switchboard:${args.join(" ")}`, args.join(" "))
      }
    }))

  it.scoped("a source newer than the build is rebuilt first, and the new build runs", () =>
    Effect.gen(function*() {
      const dir = yield* copy
      Fs.writeFileSync(Path.join(dir, "dist/switchboard.js"), stub("stale"))
      Fs.utimesSync(Path.join(dir, "dist/switchboard.js"), new Date(Date.now() - 30_000), new Date(Date.now() - 30_000))
      Fs.utimesSync(Path.join(dir, "src/main.ts"), new Date(), new Date())
      assert.deepInclude(yield* launch(dir, ["--help"]), { stdout: "switchboard:[--liftoff-only] --help", builds: 1 })
      assert.deepInclude(yield* launch(dir, ["--help"]), { stdout: "switchboard:[--liftoff-only] --help", builds: 1 }, "built once, then current")
    }))

  it.scoped("a missing entry is rebuilt; so is the build when the build script changed", () =>
    Effect.gen(function*() {
      const dir = yield* copy
      Fs.rmSync(Path.join(dir, "dist/connector.js"))
      assert.deepInclude(yield* launch(dir, ["serve"]), { stdout: "switchboard:serve", builds: 1 })
      assert.isTrue(Fs.existsSync(Path.join(dir, "dist/connector.js")))
      const later = new Date(Date.now() + 5_000)
      Fs.utimesSync(Path.join(dir, "scripts/build.mjs"), later, later)
      assert.deepInclude(yield* launch(dir, ["connector", "sandbox"]), { stdout: "connector:connector sandbox", builds: 2 })
    }))

  it.scoped("a failed build says so and runs the sources under tsx; SWITCHBOARD_FROM_SOURCE=1 runs them without building", () =>
    Effect.gen(function*() {
      const dir = yield* copy
      assert.deepInclude(yield* launch(dir, ["token", "list"], { SWITCHBOARD_FROM_SOURCE: "1" }), { stdout: "sources:[tsx] token list", builds: 0 })
      assert.deepInclude(yield* launch(dir, ["connector", "telegram"], { SWITCHBOARD_FROM_SOURCE: "1" }), { stdout: "sources:[tsx] connector telegram", builds: 0 })
      Fs.writeFileSync(Path.join(dir, "fail-build"), "")
      Fs.utimesSync(Path.join(dir, "src/main.ts"), new Date(Date.now() + 5_000), new Date(Date.now() + 5_000))
      const failed = yield* launch(dir, ["token", "list"])
      assert.deepInclude(failed, { stdout: "sources:[tsx] token list", builds: 1 })
      assert.include(failed.stderr, "build: failed: on purpose")
      assert.include(failed.stderr, "switchboard: the build failed (above); running from the sources under tsx")
    }))
})
