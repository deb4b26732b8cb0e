/**
 * The shipped alert rules: promtool accepts them (`check rules`, lint included) and their unit tests pass
 * (`test rules`); every rule has a case where it fires and one where it stays quiet; they name only metrics
 * the hub exports and point at their section of docs/operations.md.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as MetricNames from "./support/MetricNames.js"
import * as Promtool from "./support/Promtool.js"

const RULES = "ops/prometheus/alerts.yml"
const TESTS = "ops/prometheus/alerts.test.yml"

const alertNames = (rules: string) => [...rules.matchAll(/^\s*- alert: (\S+)\s*$/gm)].map((m) => m[1]!)

/** `SwitchboardConnectorDown` → `alert-switchboard-connector-down` (a run of capitals stays one word: OAuth). */
const anchorOf = (alert: string) =>
  `alert-${alert.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`

/** For each alert name, whether the unit tests expect it to fire at some time and to stay quiet at another. */
const coverage = (tests: string) => {
  const seen = new Map<string, { fires: boolean; quiet: boolean }>()
  const lines = tests.split("\n")
  lines.forEach((line, i) => {
    const m = /^\s*alertname: (\S+)\s*$/.exec(line)
    if (m === null) return
    const next = lines[i + 1] ?? ""
    const entry = seen.get(m[1]!) ?? { fires: false, quiet: false }
    if (/^\s*exp_alerts: \[\]\s*$/.test(next)) entry.quiet = true
    else if (/^\s*exp_alerts:\s*$/.test(next) && /^\s*- exp_labels:/.test(lines[i + 2] ?? "")) entry.fires = true
    seen.set(m[1]!, entry)
  })
  return seen
}

describe("ops/prometheus/alerts.yml", () => {
  it.effect("passes promtool check rules", () =>
    Effect.gen(function*() {
      const check = yield* Promtool.run(["check", "rules", RULES], { cwd: MetricNames.repoRoot })
      assert.strictEqual(check.code, 0, check.output)
      assert.match(check.output, /SUCCESS: \d+ rules found/, check.output)
    }))

  it.effect("passes its promtool unit tests", () =>
    Effect.gen(function*() {
      const test = yield* Promtool.run(["test", "rules", TESTS], { cwd: MetricNames.repoRoot })
      assert.strictEqual(test.code, 0, test.output)
      assert.match(test.output, /SUCCESS/, test.output)
      assert.notMatch(test.output, /FAILED/, test.output)
    }))

  it.effect("every rule has a unit test where it fires and one where it does not", () =>
    Effect.gen(function*() {
      const alerts = alertNames(yield* MetricNames.repoFile(RULES))
      const covered = coverage(yield* MetricNames.repoFile(TESTS))
      assert.isAtLeast(alerts.length, 12)
      for (const alert of alerts) {
        assert.deepStrictEqual(covered.get(alert), { fires: true, quiet: true }, `unit tests of ${alert}`)
      }
      assert.deepStrictEqual([...covered.keys()].filter((a) => !alerts.includes(a)), [], "tests of alerts that do not exist")
    }))

  it.effect("names only metrics the hub exports", () =>
    Effect.gen(function*() {
      const exported = yield* MetricNames.exported
      const unknown = [...MetricNames.mentioned(yield* MetricNames.repoFile(RULES))].filter((n) => !exported.has(n))
      assert.deepStrictEqual(unknown, [])
    }))

  it.effect("every rule has a severity, a summary, a description naming what fired and a runbook_url at its docs/operations.md anchor", () =>
    Effect.gen(function*() {
      const rules = yield* MetricNames.repoFile(RULES)
      const blocks = rules.split(/^\s*- alert: /m).slice(1)
      assert.strictEqual(blocks.length, alertNames(rules).length)
      for (const block of blocks) {
        const name = block.split("\n")[0]!.trim()
        assert.match(block, /\n\s+severity: (critical|warning)\n/, `${name} severity`)
        assert.match(block, /\n\s+summary: "[^"\n]+"\n/, `${name} summary`)
        assert.match(block, /\n\s+description: "[^\n]+"\n/, `${name} description`)
        // only a rule on absent() has no labels and no value worth showing
        if (!/expr: absent\(/.test(block)) {
          assert.match(block, /\n\s+description: "[^\n]*\{\{ \$(labels|value)/, `${name} description names what fired`)
        }
        assert.include(block, `runbook_url: "docs/operations.md#${anchorOf(name)}"`, `${name} runbook_url`)
      }
    }))
})
