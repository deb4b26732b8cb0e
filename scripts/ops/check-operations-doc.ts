/**
 * `npx tsx scripts/ops/check-operations-doc.ts [--doc docs/operations.md] [--transcript FILE] [--bail] [--keep]`:
 * runs every ```sh block of the operations guide, in order, against a scratch hub of its own (a fresh
 * `sb_h6_*` database on the local Postgres, ports from 7700-7719, local Telegram and Gmail stand-ins),
 * and fails naming the line of each block that did not exit as it says. `--transcript` writes every
 * block with its real output as Markdown (to refresh the doc's samples); `--keep` keeps the working
 * directory. Exit 0 when every block did what it says, 1 otherwise.
 */
import { Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Option } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Check from "./Check.js"
import { repo } from "./Stage.js"

const options = {
  doc: Options.file("doc").pipe(
    Options.withDefault(Path.join(repo, "docs/operations.md")),
    Options.withDescription("the Markdown file to check (default docs/operations.md)")
  ),
  transcript: Options.file("transcript").pipe(
    Options.optional,
    Options.withDescription("write every block that ran and its output to this Markdown file")
  ),
  bail: Options.boolean("bail").pipe(Options.withDescription("stop at the first block that fails")),
  keep: Options.boolean("keep").pipe(Options.withDescription("keep the working directory (its .check/ holds each block and its output)"))
}

const check = Command.make("check-operations-doc", options, (o) =>
  Effect.gen(function*() {
    const doc = Path.resolve(o.doc)
    const report = yield* Check.check(doc, { bail: o.bail, keepWorkDir: o.keep })
    if (Option.isSome(o.transcript)) Fs.writeFileSync(o.transcript.value, Check.transcript(report))
    const name = Path.relative(repo, doc)
    yield* Console.log(
      `${name}: ${report.outcomes.length} blocks ran, ${report.failures.length} failed, ${report.norun.length} sh-norun kept, ` +
        `in ${(report.durationMs / 1000).toFixed(1)} s`
    )
    for (const f of report.failures) yield* Console.log(`  ${name}:${f.line}: ${f.message}`)
    if (report.failures.length > 0) yield* Effect.sync(() => process.exitCode = 1)
  })).pipe(Command.withDescription("run every sh block of the operations guide against a scratch hub"))

Command.run(check, { name: "check-operations-doc", version: "1" })(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
