/**
 * Runs the `switchboard` CLI inside the test process: the same command tree (src/cli/Main.ts) and the
 * same failure report and exit codes as `src/main.ts`, with the environment given as a ConfigProvider
 * and stdout/stderr (logs included, as JSON lines) captured. Seconds faster than a subprocess, which
 * pays tsx's start-up each time; the tests that pin real process exit codes use test/support/Cli.ts.
 */
import { NodeContext } from "@effect/platform-node"
import { ConfigProvider, Console, Effect, Logger, LogLevel } from "effect"
import { Console as NodeConsole } from "node:console"
import { PassThrough } from "node:stream"
import * as Failure from "../../src/cli/Failure.js"
import { run as runCli } from "../../src/cli/Main.js"

/** A Node console writing into two buffers. */
const capture = () => {
  const chunks = { out: [] as Array<string>, err: [] as Array<string> }
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  stdout.on("data", (c: Buffer) => chunks.out.push(c.toString("utf8")))
  stderr.on("data", (c: Buffer) => chunks.err.push(c.toString("utf8")))
  return { chunks, unsafe: new NodeConsole({ stdout, stderr }) }
}

/** The Effect Console over a Node console. */
const effectConsole = (unsafe: InstanceType<typeof NodeConsole>): Console.Console => {
  const call = (f: () => void) => Effect.sync(f)
  return {
    [Console.TypeId]: Console.TypeId,
    assert: (condition, ...args) => call(() => unsafe.assert(condition, ...args)),
    clear: call(() => unsafe.clear()),
    count: (label) => call(() => unsafe.count(label)),
    countReset: (label) => call(() => unsafe.countReset(label)),
    debug: (...args) => call(() => unsafe.debug(...args)),
    dir: (item, options) => call(() => unsafe.dir(item, options)),
    dirxml: (...args) => call(() => unsafe.dirxml(...args)),
    error: (...args) => call(() => unsafe.error(...args)),
    group: (options) => call(() => unsafe.group(options?.label)),
    groupEnd: call(() => unsafe.groupEnd()),
    info: (...args) => call(() => unsafe.info(...args)),
    log: (...args) => call(() => unsafe.log(...args)),
    table: (data, properties) => call(() => unsafe.table(data, properties === undefined ? undefined : [...properties])),
    time: (label) => call(() => unsafe.time(label)),
    timeEnd: (label) => call(() => unsafe.timeEnd(label)),
    timeLog: (label, ...args) => call(() => unsafe.timeLog(label, ...args)),
    trace: (...args) => call(() => unsafe.trace(...args)),
    warn: (...args) => call(() => unsafe.warn(...args)),
    unsafe
  }
}

export interface CliAnswer {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** `switchboard ...args` with exactly `env` as its environment (nothing of the test process's). */
export const run = (args: ReadonlyArray<string>, env: Record<string, string>): Effect.Effect<CliAnswer> =>
  Effect.suspend(() => {
    const argv = ["node", "switchboard", ...args]
    const { chunks, unsafe } = capture()
    return runCli(argv).pipe(
      Effect.as(0),
      Effect.catchAll(Failure.report(argv)),
      Effect.provide(NodeContext.layer),
      Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.jsonLogger))),
      Logger.withMinimumLogLevel(LogLevel.Warning),
      Effect.withConsole(effectConsole(unsafe)),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
      // Let the streams deliver what was written before reading them.
      Effect.zipLeft(Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))),
      Effect.map((exitCode) => ({ exitCode, stdout: chunks.out.join("").trim(), stderr: chunks.err.join("").trim() }))
    )
  })
