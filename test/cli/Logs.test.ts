/**
 * Log lines of the real `switchboard` process: admin commands (migrate) print their result on stdout and
 * no log line unless --verbose; the hub logs JSON lines when stderr is not a terminal and lines for people
 * when it is (or with SWITCHBOARD_LOG_FORMAT=pretty); a bad SWITCHBOARD_LOG_FORMAT is one line, exit 2.
 */
import { Command } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Option, Schema, Stream } from "effect"
import * as Cli from "../support/Cli.js"
import * as TestDatabase from "../support/TestDatabase.js"

class DbTarget extends Context.Tag("test/LogsDbTarget")<DbTarget, TestDatabase.Target>() {}
const Env = Layer.merge(Layer.scoped(DbTarget, TestDatabase.freshTarget), NodeContext.layer)

/** Port of the hub started here (H5's range). */
const HUB_PORT = 7682

const JsonObject = Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
const isJson = (line: string) => Option.isSome(Schema.decodeUnknownOption(JsonObject)(line))
const LogLine = Schema.parseJson(Schema.Struct({
  message: Schema.String,
  logLevel: Schema.String,
  annotations: Schema.Struct({ address: Schema.String })
}))
const linesOf = (text: string) => text.split("\n").map((l) => l.trim()).filter((l) => l !== "")

/** `line` run by `script` on a pseudo-terminal (stdout and stderr both go to it). */
const onTerminal = (line: string, env: Record<string, string>) =>
  Effect.scoped(Effect.gen(function*() {
    const child = yield* Command.make("script", "-qec", line, "/dev/null").pipe(Command.workingDirectory(Cli.repo), Command.env(env), Command.start)
    const [out] = yield* Effect.all([child.stdout.pipe(Stream.decodeText(), Stream.mkString), child.exitCode], { concurrency: "unbounded" })
    return out.replace(/\r\n/g, "\n")
  })).pipe(Effect.orDie)

layer(Env, { excludeTestServices: true, timeout: 120_000 })("log lines", (it) => {
  const databaseUrl = Effect.map(DbTarget, (t) => `postgres://postgres@${t.host}:${t.port}/${t.database}`)

  it.effect("migrate: the result on stdout, log lines only with --verbose, as JSON or pretty", () =>
    Effect.gen(function*() {
      const DATABASE_URL = yield* databaseUrl
      // A fresh database: applying the migrations logs at info, which a plain run keeps off stderr.
      const quiet = yield* Cli.run(["migrate"], { DATABASE_URL })
      assert.strictEqual(quiet.exitCode, 0, quiet.stderr)
      assert.strictEqual(quiet.stdout, "database is migrated")
      assert.strictEqual(quiet.stderr, "")

      const env = { DATABASE_URL, SWITCHBOARD_LOG_LEVEL: "debug" }
      const [json, pretty, terminal, invalid] = yield* Effect.all([
        Cli.run(["migrate", "--verbose"], env),
        Cli.run(["migrate", "--verbose"], { ...env, SWITCHBOARD_LOG_FORMAT: "pretty" }),
        onTerminal("scripts/switchboard migrate --verbose", env),
        Cli.run(["migrate"], { DATABASE_URL, SWITCHBOARD_LOG_FORMAT: "xml" })
      ], { concurrency: "unbounded" })

      assert.strictEqual(json.exitCode, 0, json.stderr)
      assert.strictEqual(json.stdout, "database is migrated")
      const jsonLines = linesOf(json.stderr)
      assert.isNotEmpty(jsonLines)
      for (const line of jsonLines) assert.isTrue(isJson(line), line)
      assert.include(json.stderr, "migrations: database is up to date")

      assert.strictEqual(pretty.exitCode, 0, pretty.stderr)
      assert.strictEqual(pretty.stdout, "database is migrated")
      assert.include(pretty.stderr, "migrations: database is up to date")
      for (const line of linesOf(pretty.stderr)) assert.isFalse(isJson(line), line)
      assert.match(pretty.stderr, /^\[\d\d:\d\d:\d\d\.\d{3}\] DEBUG /m)
      assert.notInclude(pretty.stderr, "\x1b", "not a terminal: no colour")

      // stderr a terminal, SWITCHBOARD_LOG_FORMAT unset: lines for people.
      assert.include(terminal, "migrations: database is up to date")
      assert.include(terminal, "database is migrated")
      for (const line of linesOf(terminal)) assert.isFalse(isJson(line), line)

      assert.strictEqual(invalid.exitCode, 2)
      assert.strictEqual(invalid.stdout, "")
      assert.strictEqual(invalid.stderr, "switchboard: SWITCHBOARD_LOG_FORMAT must be json or pretty (got \"xml\")")
    }))

  it.effect("serve logs JSON lines when stderr is not a terminal", () =>
    Effect.scoped(Effect.gen(function*() {
      const hub = yield* Command.make(`${Cli.repo}/scripts/switchboard`, "serve").pipe(
        Command.workingDirectory(Cli.repo),
        Command.env({ DATABASE_URL: yield* databaseUrl, SWITCHBOARD_HOST: "127.0.0.1", SWITCHBOARD_PORT: String(HUB_PORT) }),
        Command.start
      )
      const lines = yield* hub.stderr.pipe(
        Stream.decodeText(),
        Stream.splitLines,
        Stream.takeUntil((line) => line.includes("hub started")),
        Stream.runCollect,
        Effect.timeoutOption("60 seconds")
      )
      assert.isTrue(Option.isSome(lines), "the hub started")
      const all = Option.isSome(lines) ? [...lines.value] : []
      assert.isNotEmpty(all)
      for (const line of all) assert.isTrue(isJson(line), line)
      const started = Schema.decodeUnknownSync(LogLine)(all[all.length - 1])
      assert.strictEqual(started.message, "hub started")
      assert.strictEqual(started.logLevel, "INFO")
      assert.strictEqual(started.annotations.address, `http://127.0.0.1:${HUB_PORT}`)
    })))
})
