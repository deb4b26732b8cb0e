/**
 * docs/operations.md works: every ```sh block runs, in order, against a scratch hub (scripts/ops/Check.ts),
 * and exits as it says. The checker itself is pinned on small documents: a block that exits otherwise
 * than it declares fails with its line, variables carry over from block to block and out of lanes, a
 * block past its timeout is stopped.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Check from "../../scripts/ops/Check.js"
import * as DocBlocks from "../../scripts/ops/DocBlocks.js"
import { repo } from "../../scripts/ops/Stage.js"

const quiet = { onStep: () => Effect.void }

const fence = "```"
const doc = (...parts: ReadonlyArray<string>) => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sb-h6-doc-"))
  const file = Path.join(dir, "doc.md")
  Fs.writeFileSync(file, parts.join("\n"))
  return { file, lineOf: (needle: string) => parts.join("\n").split("\n").findIndex((l) => l.includes(needle)) + 1 }
}
const sh = (code: string) => `${fence}sh\n${code}\n${fence}\n`

describe("DocBlocks.parse", () => {
  it("reads sh blocks with their exit and timeout annotations, skips text, counts sh-norun, keeps directives", () => {
    const text = [sh("# exit 3\n# timeout 5\nexit 3"), `${fence}text\nnot run\n${fence}`, `${fence}sh-norun\nsystemctl stop x\n${fence}`,
      "<!-- check: telegram-send 2 -->", sh("echo hi # exit 9")].join("\n")
    const lineOf = (needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1
    const { parsed, problems } = DocBlocks.parse(text)
    assert.deepStrictEqual(problems, [])
    assert.deepStrictEqual(parsed.steps.map((s) => s._tag === "Block" ? [s.line, s.expectExit, s.timeoutS] : [s.line, s.action, ...s.args]), [
      [1, 3, 5],
      [lineOf("check: telegram-send"), "telegram-send", "2"],
      [lineOf("echo hi") - 1, 0, 90]
    ])
    assert.deepStrictEqual(parsed.norun, [lineOf("systemctl") - 1])
  })

  it("reports a block that is never closed", () => {
    assert.deepStrictEqual(DocBlocks.parse(`text\n${fence}sh\nfalse\n`).problems, [{ line: 2, message: "code block is never closed" }])
  })
})

describe("the checker", () => {
  it.live("fails exactly the blocks that exit otherwise than they say, naming their lines", () =>
    Effect.gen(function*() {
      const { file, lineOf } = doc(
        sh("X=one; export Y=two; helper() { echo \"helper $1\"; }"),
        sh("test \"$X $Y\" = \"one two\" && helper ok"),
        sh("echo wrong; false # the failing one"),
        sh("# exit 3\nexit 3"),
        sh("# exit 1\ntrue # expected 1, exits 0"),
        "<!-- check: lane a -->",
        sh("A_SET=a"),
        "<!-- check: lane b -->",
        sh("B_SET=b"),
        "<!-- check: join -->",
        sh("test \"$A_SET$B_SET\" = ab"),
        sh("# timeout 1\nsleep 30")
      )
      const report = yield* Check.check(file, quiet)
      assert.deepStrictEqual(report.failures.map((f) => [f.line, f.message]), [
        [lineOf("failing one") - 1, "exited 1, expected 0"],
        [lineOf("expected 1, exits 0") - 2, "exited 0, expected 1"],
        [lineOf("sleep 30") - 2, "still running after 1 s (# timeout 1)"]
      ])
      assert.include(report.failures[0]!.output, "wrong")
      assert.strictEqual(report.outcomes.length, 9)
      assert.include(report.outcomes[1]!.output, "helper ok")
    }), 60_000)
})

describe("docs/operations.md", () => {
  it("has the section every alert rule's runbook_url points at, and no alert section without a rule", () => {
    const rules = Fs.readFileSync(Path.join(repo, "ops/prometheus/alerts.yml"), "utf8")
    const names = [...rules.matchAll(/^\s*-\s*alert:\s*["']?([A-Za-z0-9_]+)/gm)].map((m) => m[1]!)
    const targets = [...rules.matchAll(/runbook_url:\s*"docs\/operations\.md#([a-z0-9-]+)"/g)].map((m) => m[1]!)
    const text = Fs.readFileSync(Path.join(repo, "docs/operations.md"), "utf8")
    const anchors = [...text.matchAll(/<a id="(alert-[a-z0-9-]+)"><\/a>/g)].map((m) => m[1]!)
    assert.isAbove(names.length, 0)
    assert.strictEqual(targets.length, names.length, "every rule has a runbook_url into docs/operations.md")
    assert.deepStrictEqual([...anchors].sort(), [...targets].sort())
    for (const name of names) assert.include(text, `[\`${name}\`](#alert-`, `the alert table links ${name}`)
  })

  it.live("every sh block runs and exits as it says", () =>
    Effect.gen(function*() {
      const report = yield* Check.check(Path.join(repo, "docs/operations.md"), { ...quiet, bail: true })
      const failed = report.failures.map((f) => `docs/operations.md:${f.line}: ${f.message}\n${f.output}`)
      assert.deepStrictEqual(failed, [], "run `npx tsx scripts/ops/check-operations-doc.ts` for every failing block")
      assert.isAtLeast(report.outcomes.length, 50)
    }), 600_000)
})
