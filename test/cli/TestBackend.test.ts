/**
 * `npm test` says which database backend it runs on, and with CI=true (how `.ci/run` runs it) it
 * refuses to run without the real Postgres instead of falling back to the embedded database.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Child from "node:child_process"
import * as Path from "node:path"
import * as EmbeddedPostgres from "../../layers/Database/EmbeddedPostgres.js"
import { repo } from "../support/Cli.js"

const UNREACHABLE = "postgres://postgres@127.0.0.1:1/postgres"

/** Runs a module snippet under tsx in a fresh process with this environment (undefined values unset). */
const runSnippet = (code: string, env: Record<string, string | undefined>) =>
  Effect.async<{ readonly exitCode: number; readonly output: string }>((resume) => {
    const vars = Object.entries({ ...process.env, ...env }).filter((kv): kv is [string, string] => kv[1] !== undefined)
    Child.execFile(
      process.execPath,
      ["--import", `file://${Path.join(repo, "node_modules/tsx/dist/loader.mjs")}`, "--input-type=module", "-e", code],
      { cwd: repo, env: Object.fromEntries(vars) },
      (error, stdout, stderr) =>
        resume(Effect.succeed({
          exitCode: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
          output: `${stdout}${stderr}`
        }))
    )
  })

const globalSetup = (env: Record<string, string | undefined>) =>
  runSnippet(`const m = await import("./test/support/GlobalSetup.ts"); await m.default()`, env)

const freshTarget = (env: Record<string, string | undefined>) =>
  runSnippet(
    `const { Effect } = await import("effect")
     const T = await import("./test/support/TestDatabase.ts")
     const target = await Effect.runPromise(Effect.scoped(T.freshTarget))
     console.log("target kind: " + target.kind)`,
    env
  )

describe("the test database backend", () => {
  it.scoped("names the Postgres server, its version and address when it answers", () =>
    Effect.gen(function*() {
      // Any server speaking the Postgres protocol will do; a throwaway PGlite keeps this independent of the machine.
      const served = yield* EmbeddedPostgres.serve(undefined, 2).pipe(Effect.orDie)
      const url = `postgres://postgres@${served.host}:${served.port}/postgres`
      const run = yield* globalSetup({ CI: "true", SWITCHBOARD_TEST_PG_URL: url })
      assert.strictEqual(run.exitCode, 0, run.output)
      assert.match(run.output, new RegExp(`database backend: postgres \\d+\\.\\d+.* at 127\\.0\\.0\\.1:${served.port}`))
    }), 60_000)

  it.live("outside CI an unreachable Postgres falls back to the embedded database, and says so", () =>
    Effect.gen(function*() {
      const run = yield* globalSetup({ CI: undefined, SWITCHBOARD_TEST_PG_URL: UNREACHABLE })
      assert.strictEqual(run.exitCode, 0, run.output)
      assert.include(run.output, "database backend: embedded PGlite (Postgres at 127.0.0.1:1 did not answer")
      const target = yield* freshTarget({ CI: undefined, SWITCHBOARD_TEST_PG_URL: UNREACHABLE })
      assert.strictEqual(target.exitCode, 0, target.output)
      assert.include(target.output, "target kind: embedded")
    }), 60_000)

  it.live("with CI=true an unreachable Postgres fails the run and every suite, naming the server", () =>
    Effect.gen(function*() {
      const setup = yield* globalSetup({ CI: "true", SWITCHBOARD_TEST_PG_URL: UNREACHABLE })
      assert.notStrictEqual(setup.exitCode, 0)
      assert.include(setup.output, "CI must run on a real Postgres, but 127.0.0.1:1 did not answer")
      const target = yield* freshTarget({ CI: "true", SWITCHBOARD_TEST_PG_URL: UNREACHABLE })
      assert.notStrictEqual(target.exitCode, 0)
      assert.include(target.output, `CI must run on a real Postgres, but ${UNREACHABLE} did not answer`)
      assert.notInclude(target.output, "target kind: embedded")
    }), 60_000)
})
