/**
 * `switchboard … --help` and usage errors. Every command path is rendered in-process (the same tree and
 * renderer as the CLI) and checked: no escapes, full paths in usage, a description for every option and
 * argument instead of the library's type text, an example naming the command, lines within the width.
 * A few real processes pin what a user sees: help piped and on a terminal (under `script`, with and
 * without NO_COLOR, with the terminal's width), and one-line usage errors with their exit codes.
 */
import { Command } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as Argv from "../../src/cli/Argv.js"
import * as HelpModel from "../../src/cli/HelpModel.js"
import * as HelpRender from "../../src/cli/HelpRender.js"
import { tree } from "../../src/cli/Main.js"
import * as Cli from "../support/Cli.js"
import * as CliInProcess from "../support/CliInProcess.js"

const LIBRARY_TEXT = ["A user-defined piece of text.", "A true or false value.", "One of the following:", "This setting is optional."]
const plain = (width: number) => ({ width, color: false, version: "0.1.0" })
const commands = HelpModel.all(tree)
const longest = (text: string) => Math.max(...text.split("\n").map((l) => l.length))
/** The lines of a help section (`Usage:` … up to the blank line). */
const section = (text: string, title: string) => {
  const lines = text.split("\n")
  const start = lines.indexOf(title)
  return start === -1 ? [] : lines.slice(start + 1, lines.indexOf("", start + 1) === -1 ? undefined : lines.indexOf("", start + 1))
}

describe("help of every command (in-process)", () => {
  it("the tree holds every command, the new ones included", () => {
    const paths = commands.map(HelpModel.pathText)
    for (const path of ["switchboard token create", "switchboard gmail credentials set", "switchboard connector resubmit", "switchboard blobs gc", "switchboard requests replay"]) {
      assert.include(paths, path)
    }
    assert.isAbove(commands.length, 50)
  })

  it("no escapes, full paths in usage, no library type text, lines within 80 and 60 columns", () => {
    for (const doc of commands) {
      const path = HelpModel.pathText(doc)
      const text = HelpRender.render(doc, plain(80))
      assert.notInclude(text, "\x1b", path)
      for (const phrase of LIBRARY_TEXT) assert.notInclude(text, phrase, path)
      assert.isAtMost(longest(text), 80, path)
      assert.isAtMost(longest(HelpRender.render(doc, plain(60))), 60, path)
      const usage = section(text, "Usage:")
      assert.isNotEmpty(usage, path)
      assert.isTrue(usage[0]!.startsWith(`  ${path}`), `${path}: ${usage[0]}`)
      for (const line of usage.filter((l) => !l.startsWith("     "))) assert.isTrue(line.startsWith(`  ${path}`), `${path}: ${line}`)
      for (const option of doc.options) assert.include(text, option.names[0]!, path)
    }
  })

  it("every command has a summary and an example naming it; every option and argument a description", () => {
    for (const doc of commands) {
      const path = HelpModel.pathText(doc)
      assert.notStrictEqual(doc.summary, "", path)
      assert.isNotEmpty(doc.examples, `${path} has no example`)
      for (const example of doc.examples) assert.include(example, path, `${path}: ${example}`)
      for (const o of doc.options) assert.notStrictEqual(o.description, "", `${path} ${o.names[0]}`)
      for (const a of doc.args) assert.notStrictEqual(a.description, "", `${path} ${a.name}`)
      assert.include(section(HelpRender.render(doc, plain(80)), "Examples:").join("\n"), path.split(" ").at(-1)!, path)
    }
  })

  it("global options and exit codes once, at the top level; value hints stay short", () => {
    const top = HelpRender.render(tree, plain(80))
    for (const name of ["--help", "--verbose", "--log-level", "--version", "--completions", "--wizard"]) assert.include(top, name)
    const codes = section(top, "Exit codes:").join("\n")
    for (const code of ["0", "1", "2", "64"]) assert.match(codes, new RegExp(`^  ${code} `, "m"))
    for (const doc of commands.slice(1)) {
      const text = HelpRender.render(doc, plain(80))
      assert.notInclude(text, "--completions", HelpModel.pathText(doc))
      assert.isEmpty(section(text, "Exit codes:"), HelpModel.pathText(doc))
    }
    const create = HelpRender.render(commands.find((c) => HelpModel.pathText(c) === "switchboard token create")!, plain(80))
    assert.include(create, "--role viewer|author|operator|auditor|compliance|admin|ingest|actions")
    assert.include(create, "--plan free|pro")
    assert.include(create, "--channel <text>")
  })

  it("colour only when asked: bold headings", () => {
    assert.include(HelpRender.render(tree, { width: 80, color: true, version: "0.1.0" }), "\x1b[1mUsage:\x1b[0m")
  })

  it("--help anywhere names its command; typos get the nearest name", () => {
    assert.deepStrictEqual(Argv.scan(tree, ["token", "create", "--channel", "x", "--help"]).command.path, ["switchboard", "token", "create"])
    assert.deepStrictEqual(Argv.scan(tree, ["--help", "gmail", "credentials", "set"]).command.path, ["switchboard", "gmail", "credentials", "set"])
    assert.isTrue(Argv.scan(tree, ["token", "create", "--bogus", "-h"]).help)
    assert.isUndefined(Argv.scan(tree, ["token", "create", "--bogus", "-h"]).problem)
    assert.strictEqual(Argv.scan(tree, ["tokn"]).problem, "unknown command 'tokn'; did you mean 'token'? see switchboard --help")
    assert.strictEqual(
      Argv.scan(tree, ["token", "list", "--jsno"]).problem,
      "unknown option '--jsno' for token list; did you mean '--json'? see switchboard token list --help"
    )
    assert.strictEqual(
      Argv.scan(tree, ["token", "create", "--role", "admin"]).problem,
      "missing --channel, --provider and --endpoint for token create; see switchboard token create --help"
    )
    assert.deepStrictEqual(Argv.scan(tree, ["migrate", "--verbose"]).args, ["migrate"])
    assert.isTrue(Argv.scan(tree, ["migrate", "--verbose"]).verbose)
    // A value is not read as a command or an option.
    assert.isUndefined(Argv.scan(tree, ["requests", "list", "--since", "-1h", "--query", "token"]).problem)
  })

  it.effect("a value the parser refuses is one line naming the command's help, exit 2", () =>
    Effect.gen(function*() {
      const answer = yield* CliInProcess.run(["token", "create", "--channel", "a", "--provider", "b", "--endpoint", "c", "--expires-in", "soon"], {})
      assert.strictEqual(answer.exitCode, 2)
      assert.strictEqual(answer.stdout, "")
      assert.strictEqual(answer.stderr.split("\n").length, 1, answer.stderr)
      assert.match(answer.stderr, /^switchboard: "soon" is not a duration: .*; see switchboard token create --help$/)
      const extra = yield* CliInProcess.run(["token", "list", "extra"], {})
      assert.strictEqual(extra.exitCode, 2)
      assert.strictEqual(extra.stderr, "switchboard: Received unknown argument: 'extra'; see switchboard token list --help")
    }))
})

const text = (stream: Stream.Stream<Uint8Array, unknown>) => stream.pipe(Stream.decodeText(), Stream.mkString, Effect.orElseSucceed(() => ""))

/** `line` run by `script` on a pseudo-terminal: what a user's terminal shows (CR LF line ends made LF). */
const onTerminal = (line: string, env: Record<string, string>) =>
  Effect.scoped(Effect.gen(function*() {
    const child = yield* Command.make("script", "-qec", line, "/dev/null").pipe(Command.workingDirectory(Cli.repo), Command.env(env), Command.start)
    const [out] = yield* Effect.all([text(child.stdout), child.exitCode], { concurrency: "unbounded" })
    return out.replace(/\r\n/g, "\n")
  })).pipe(Effect.orDie, Effect.provide(NodeContext.layer))

describe("the real CLI", () => {
  it.live("piped and on a terminal: escapes only on a terminal without NO_COLOR, wrapped to its width; usage errors exit 2", () =>
    Effect.gen(function*() {
      const [top, create, typo, colour, noColour] = yield* Effect.all([
        Cli.run(["--help"], {}),
        Cli.run(["token", "create", "--help"], { COLUMNS: "60" }),
        Cli.run(["tokn"], {}),
        onTerminal("stty cols 70; scripts/switchboard token --help", {}),
        onTerminal("scripts/switchboard --help", { NO_COLOR: "1" })
      ], { concurrency: "unbounded" }).pipe(Effect.provide(NodeContext.layer))

      assert.strictEqual(top.exitCode, 0)
      assert.notInclude(top.stdout, "\x1b")
      assert.isAtMost(longest(top.stdout), 80)
      assert.include(top.stdout, "Exit codes:")
      assert.include(top.stdout, "  token        manage API tokens")

      assert.strictEqual(create.exitCode, 0)
      assert.notInclude(create.stdout, "\x1b")
      assert.isAtMost(longest(create.stdout), 60)
      assert.isTrue(section(create.stdout, "Usage:")[0]!.startsWith("  switchboard token create --channel <text>"), create.stdout)

      assert.strictEqual(typo.exitCode, 2)
      assert.strictEqual(typo.stdout, "")
      assert.strictEqual(typo.stderr, "switchboard: unknown command 'tokn'; did you mean 'token'? see switchboard --help")

      assert.include(colour, "\x1b[1mCommands:\x1b[0m", "a terminal gets bold headings")
      assert.isAtMost(longest(colour.replace(/\x1b\[[0-9;]*m/g, "")), 70, colour)
      assert.isAbove(longest(colour.replace(/\x1b\[[0-9;]*m/g, "")), 50)
      assert.include(noColour, "Exit codes:")
      assert.notInclude(noColour, "\x1b", "NO_COLOR: no escapes even on a terminal")
    }), 60_000)
})
