/**
 * `npm run conformance -- <connector-id> [--module <path-or-package>] [--export <name>]`: runs the
 * connector conformance suite (test/conformance) against one connector — a built-in by id, or a module
 * as `connectors register --module` would load it — then prints a one-line summary per failed check and
 * PASS/FAIL. Exit codes: 0 every check passed, 1 a check failed (or the suite could not run), 64 usage.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const USAGE = "usage: npm run conformance -- <connector-id> [--module <path-or-package>] [--export <name>]\n"
const EXIT_USAGE = 64

const args = process.argv.slice(2)
const options = new Map<string, string>()
const positional: Array<string> = []
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? ""
  if (arg === "--help" || arg === "-h") {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  if (arg === "--module" || arg === "--export") {
    const value = args[++i]
    if (value === undefined) {
      process.stderr.write(`${arg} needs a value\n${USAGE}`)
      process.exit(EXIT_USAGE)
    }
    options.set(arg.slice(2), value)
  } else if (arg.startsWith("-")) {
    process.stderr.write(`unknown option ${arg}\n${USAGE}`)
    process.exit(EXIT_USAGE)
  } else positional.push(arg)
}
const id = positional[0]
if (id === undefined || positional.length > 1 || !/^[a-z][a-z0-9_-]{0,39}$/.test(id)) {
  process.stderr.write(`${id === undefined ? "a connector id is required" : `not one connector id: ${positional.join(" ")}`}\n${USAGE}`)
  process.exit(EXIT_USAGE)
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const out = mkdtempSync(join(tmpdir(), "conformance-"))
const report = join(out, "report.json")
const env: NodeJS.ProcessEnv = { ...process.env, CONFORMANCE_CONNECTOR: id }
const module = options.get("module")
// A relative module path is relative to where the command was run, as for `connectors register`.
if (module !== undefined) env["CONFORMANCE_MODULE"] = module.startsWith(".") ? resolve(process.cwd(), module) : module
const exportName = options.get("export")
if (exportName !== undefined) env["CONFORMANCE_EXPORT"] = exportName

const run = spawnSync(
  process.execPath,
  [join(root, "node_modules/vitest/vitest.mjs"), "run", "--config", join(root, "test/conformance/vitest.config.ts"),
    "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
  { cwd: root, env, stdio: "inherit" }
)

interface Report {
  readonly numTotalTests: number
  readonly numPassedTests: number
  readonly numFailedTests: number
  readonly testResults: ReadonlyArray<{
    readonly message?: string
    readonly assertionResults: ReadonlyArray<{ readonly fullName: string; readonly status: string; readonly failureMessages: ReadonlyArray<string> }>
  }>
}

let summary: Report | undefined
try {
  summary = JSON.parse(readFileSync(report, "utf8")) as Report
} catch {
  summary = undefined
}
rmSync(out, { recursive: true, force: true })

if (summary === undefined) {
  process.stdout.write(`\nconformance ${id}: FAIL — the suite did not run (vitest exited ${run.status ?? run.signal})\n`)
  process.exit(1)
}
const failed = summary.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === "failed"))
const loadErrors = summary.testResults.flatMap((f) => (f.message ? [f.message.split("\n")[0] ?? ""] : []))
process.stdout.write(`\nconformance ${id}${module === undefined ? "" : ` (${module})`}:\n`)
for (const f of failed) process.stdout.write(`  ✗ ${f.fullName}: ${(f.failureMessages[0] ?? "").split("\n")[0]}\n`)
for (const m of loadErrors) process.stdout.write(`  ✗ could not run: ${m}\n`)
const ok = run.status === 0 && failed.length === 0 && loadErrors.length === 0 && summary.numTotalTests > 0
process.stdout.write(`${ok ? "PASS" : "FAIL"}: ${summary.numPassedTests} of ${summary.numTotalTests} checks passed\n`)
process.exit(ok ? 0 : 1)
