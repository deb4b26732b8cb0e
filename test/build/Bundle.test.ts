/**
 * The build (scripts/build.mjs) as it is split: what each entry loads before it runs anything (its
 * static imports, followed through the chunks, named by their source maps), and the connector entry
 * answering a bad configuration exactly as `switchboard connector <type>` from the sources does.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Child from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { types as commandLineTypes } from "../../src/cli/ConnectorCommand.js"
import { types as registryTypes } from "../../src/connectors/Registry.js"
import { repo } from "../support/Cli.js"

const dist = Path.join(repo, "dist")
const launcher = Path.join(repo, "scripts/switchboard")

/** The launcher rebuilds a stale build; this file may run without `npm test`'s pretest build. */
const current = Effect.sync(() => Child.execFileSync(launcher, ["--version"], { encoding: "utf8" }))

/** Every source file in `entry` and the chunks it imports statically (dynamic `import()` excluded), repo-relative. */
const staticSources = (entry: string): ReadonlySet<string> => {
  const files = new Set<string>()
  const sources = new Set<string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    const text = Fs.readFileSync(Path.join(dist, file), "utf8")
    // esbuild's chunk imports (`from"./chunk-ABCD1234.js"`; a string that only looks like one names no file in dist/)
    for (const [, chunk] of text.matchAll(/(?:from|import)\s*"\.\/([\w.]+-[A-Z0-9]{8}\.js)"/g)) {
      if (Fs.existsSync(Path.join(dist, chunk!))) visit(chunk!)
    }
    const map = JSON.parse(Fs.readFileSync(Path.join(dist, `${file}.map`), "utf8")) as { readonly sources: ReadonlyArray<string> }
    for (const source of map.sources) sources.add(Path.relative(repo, Path.resolve(dist, source)))
  }
  visit(entry)
  return sources
}

const matching = (sources: ReadonlySet<string>, pattern: RegExp) => [...sources].filter((s) => pattern.test(s))

/** The hub: its composition, HTTP API and server, the database it opens and migrates, ingest, delivery, the embedded Postgres. */
const HUB = new RegExp([
  "^layers/(Live|DatabaseLive)\\.ts$",
  "^src/http/(Server|Api|Handlers|IngestRoute)\\.ts$",
  "^layers/Database/(Database|EmbeddedPostgres|Migrations|PgDatabase)\\.ts$",
  "^migrations/",
  "^layers/(Ingest|InboxStore|Delivery)/",
  "node_modules/@electric-sql/",
  "httpApiSwagger"
].join("|"))

describe("the split build", () => {
  it.effect("the connector entry loads the connector runtime and its RPC client, not the hub or the command line", () =>
    Effect.gen(function*() {
      yield* current
      const sources = staticSources("connector.js")
      assert.isNotEmpty(matching(sources, /^src\/connectors\/runtime\/Runtime\.ts$/))
      assert.isNotEmpty(matching(sources, /^layers\/SwitchboardClient\/RpcSwitchboardClient\.ts$/))
      assert.isNotEmpty(matching(sources, /^src\/connectors\/telegram\//))
      assert.deepStrictEqual(matching(sources, HUB), [])
      assert.deepStrictEqual(matching(sources, /^src\/cli\/(?!Failure\.ts|ConnectorsExitCodes\.ts)/), [], "only the failure report of the CLI")
    }))

  it.effect("the command line loads the command tree, not the hub, the database or an HTTP client, until a command runs", () =>
    Effect.gen(function*() {
      yield* current
      const sources = staticSources("switchboard.js")
      assert.isNotEmpty(matching(sources, /^src\/cli\/TokenCommand\.ts$/))
      assert.deepStrictEqual(matching(sources, HUB), [])
      assert.deepStrictEqual(matching(sources, /node_modules\/(undici|@electric-sql|pg)\//), [])
      assert.deepStrictEqual(matching(sources, /node_modules\/@effect\/platform\/dist\/esm\/internal\/httpApiSwagger/), [], "no Swagger UI")
    }))

  it("the command line's connector types are the registry's", () => {
    assert.deepStrictEqual([...commandLineTypes], [...registryTypes])
  })

  it.effect("a bad connector configuration: the same lines and exit code from the connector entry as from the sources", () =>
    Effect.gen(function*() {
      yield* current
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SWITCHBOARD_|CONNECTOR_|SANDBOX_|OTEL_)/.test(k)))
      const run = (fromSource: boolean, args: ReadonlyArray<string>, extra: Record<string, string> = {}) => {
        const r = Child.spawnSync(launcher, [...args], {
          cwd: Os.tmpdir(),
          env: { ...env, ...extra, SWITCHBOARD_FROM_SOURCE: fromSource ? "1" : "0", CONNECTOR_POLL_INTERVAL_S: "soon" },
          encoding: "utf8"
        })
        return { status: r.status, stdout: r.stdout, stderr: r.stderr }
      }
      const built = run(false, ["connector", "sandbox"], { SWITCHBOARD_URL: "http://127.0.0.1:7699" })
      assert.strictEqual(built.status, 1)
      assert.include(built.stderr, "switchboard: ConnectorConfigInvalid: connector configuration is invalid")
      for (const line of ["CONNECTOR_ENDPOINT_IDENTITY is missing", "CONNECTOR_CURSOR_PATH is missing", "CONNECTOR_POLL_INTERVAL_S must be"]) {
        assert.include(built.stderr, line)
      }
      assert.deepStrictEqual(built, run(true, ["connector", "sandbox"], { SWITCHBOARD_URL: "http://127.0.0.1:7699" }))
      // Handed to the full command line: the usage line and exit code of `connector <type>` naming no built-in.
      const unknown = run(false, ["connector", "sandbx"])
      assert.strictEqual(unknown.status, 2)
      assert.include(unknown.stderr, "switchboard: <type> 'sandbx' is not one of gmail, sandbox, telegram")
      const badFormat = run(false, ["connector", "sandbox"], { SWITCHBOARD_LOG_FORMAT: "xml" })
      assert.deepStrictEqual({ status: badFormat.status, stderr: badFormat.stderr.trim() }, {
        status: 2,
        stderr: "switchboard: SWITCHBOARD_LOG_FORMAT must be json or pretty (got \"xml\")"
      })
    }), 60_000)
})
