/**
 * `npm run bench:startup` (issue 14): how long each kind of process takes to be there for its user, from
 * the build (`scripts/switchboard`) and, side by side in the same run, from the TypeScript sources under
 * tsx (SWITCHBOARD_FROM_SOURCE=1, "before"), next to a `node -e 0` floor. Each case runs `--runs` times
 * (runs interleaved: build, sources, build, …), after one unmeasured warm-up of each; the table shows
 * median, min and max, bench-results/startup.json keeps every sample.
 *
 *   npm run bench:startup                       # 5 runs of each
 *   npm run bench:startup -- --runs 2           # smoke run (or BENCH_RUNS=2)
 *   npm run bench:startup -- --cases help,token-embedded --no-sources
 *   npm run bench:startup -- --sources-dir /tmp/before   # "before" from another checkout (e.g. `git archive` of an older commit)
 *
 * The embedded data directories live under /tmp/sb-startup-<pid>; the Postgres database is a fresh
 * sb_startup_* on the local server; the hubs listen on 7601 (measured) and 7690 (for the connector).
 */
import { Command, Options } from "@effect/cli"
import { type CommandExecutor, FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Config, Console, DateTime, Effect, Layer, Option, Redacted, Schema } from "effect"
import * as Os from "node:os"
import * as Path from "node:path"
import { FakeTelegramServer } from "../../test/support/FakeTelegram.js"
import * as BenchDatabase from "./BenchDatabase.js"
import * as Processes from "./Processes.js"
import { type Case, CaseId, cases, summarize, table } from "./StartupReport.js"
import * as Runs from "./StartupRuns.js"

const BOT_TOKEN = "9000001:startup-bench-token"
const SERVE_PORT = 7601
const CONNECTOR_HUB_PORT = 7690
const root = Path.resolve(import.meta.dirname, "../..")

const fromEnv = <A>(option: Options.Options<A>, config: Config.Config<A>) => option.pipe(Options.withFallbackConfig(config))

const options = {
  runs: fromEnv(Options.integer("runs"), Config.integer("BENCH_RUNS").pipe(Config.withDefault(5)))
    .pipe(Options.withDescription("measured runs of each case and mode (BENCH_RUNS, default 5)")),
  cases: fromEnv(Options.text("cases"), Config.string("BENCH_CASES").pipe(Config.withDefault(Object.keys(cases).join(","))))
    .pipe(Options.withDescription(`cases to run (BENCH_CASES, default all: ${Object.keys(cases).join(",")})`)),
  noSources: Options.boolean("no-sources").pipe(Options.withDescription("skip the runs from the sources (\"before\")")),
  sourcesDir: fromEnv(Options.text("sources-dir"), Config.string("BENCH_SOURCES_DIR")).pipe(
    Options.optional,
    Options.withDescription("the checkout whose sources the \"before\" runs use (BENCH_SOURCES_DIR, default this one)")
  ),
  pgUrl: fromEnv(Options.text("pg-url"), Config.string("BENCH_PG_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres")))
    .pipe(Options.withDescription("admin URL of the local Postgres; the bench creates and drops its own database")),
  out: Options.text("out").pipe(Options.withDefault("bench-results/startup.json"))
}

const loadAvg = () => Os.loadavg().map((n) => Math.round(n * 100) / 100)

const bench = Command.make("bench-startup", options, (o) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const chosen = yield* Effect.forEach(o.cases.split(",").map((s) => s.trim()).filter((s) => s !== ""), (id) =>
      Effect.mapError(Schema.decodeUnknown(CaseId)(id), () => new Processes.BenchFailed({ message: `unknown case "${id}" (use ${Object.keys(cases).join(", ")})` })))
    const modes: ReadonlyArray<Runs.Mode> = o.noSources ? ["build"] : ["build", "sources"]
    const sourcesRoot = Option.getOrElse(Option.map(o.sourcesDir, (d) => Path.resolve(d)), () => root)
    const launch = (mode: Runs.Mode, args: ReadonlyArray<string>, env: Record<string, string> = {}) => Runs.switchboard(mode, args, env, sourcesRoot)
    const logs = Path.join(root, "bench-results", "logs")
    yield* fs.makeDirectory(logs, { recursive: true })
    const logOf = (name: string) => Path.join(logs, `startup-${name}.log`)
    const work = yield* Effect.acquireRelease(
      Effect.sync(() => Path.join(Os.tmpdir(), `sb-startup-${process.pid}`)),
      (dir) => Effect.ignore(fs.remove(dir, { recursive: true }))
    )
    const existing = Path.join(work, "existing")
    yield* fs.makeDirectory(work, { recursive: true })
    const loadBefore = loadAvg()
    yield* Console.log(`startup bench: ${o.runs} runs of ${chosen.join(", ")} (${modes.join(" and ")}); node ${process.version}; load average ${loadBefore.join(" ")}`)

    // The build is current before anything is measured (the launcher would rebuild inside the first run).
    yield* Runs.toExit(Runs.switchboard("build", ["--version"]), logOf("build"))
    const db = yield* BenchDatabase.acquire(o.pgUrl, "sb_startup")
    const onPostgres = { DATABASE_URL: db.url }
    const onEmbedded = { SWITCHBOARD_DATA_DIR: existing, DATABASE_URL: "" }
    yield* Runs.toExit(Runs.switchboard("build", ["migrate"], onPostgres), logOf("migrate"))
    yield* Runs.toExit(Runs.switchboard("build", ["migrate"], onEmbedded), logOf("migrate"))

    // The connector's hub: the build, on the bench database, for the whole run.
    const needsHub = chosen.includes("connector")
    const hub = needsHub
      ? yield* Processes.startHub({ db, poolSize: 8, logFile: logOf("connector-hub"), profileDir: undefined, port: CONNECTOR_HUB_PORT })
      : undefined
    const token = needsHub ? yield* Processes.createToken(db) : undefined
    let fresh = 0

    const measure = (id: CaseId, mode: Runs.Mode): Effect.Effect<number, Processes.BenchFailed, FileSystem.FileSystem | CommandExecutor.CommandExecutor> => {
      const log = logOf(`${id}-${mode}`)
      switch (id) {
        case "floor":
          return Runs.toExit(Runs.nodeFloor, log)
        case "help":
          return Runs.toExit(launch(mode, ["--help"]), log)
        case "token-embedded":
          return Runs.toExit(launch(mode, ["token", "list"], onEmbedded), log)
        case "token-postgres":
          return Runs.toExit(launch(mode, ["token", "list"], onPostgres), log)
        case "serve-existing":
          return Runs.toReady(launch(mode, ["serve"], serveEnv(existing)), `http://127.0.0.1:${SERVE_PORT}/ready`, log)
        case "serve-fresh": {
          const dir = Path.join(work, `fresh-${fresh++}`)
          return Runs.toReady(launch(mode, ["serve"], serveEnv(dir)), `http://127.0.0.1:${SERVE_PORT}/ready`, log).pipe(
            Effect.ensuring(Effect.ignore(fs.remove(dir, { recursive: true })))
          )
        }
        case "connector":
          return Effect.scoped(Effect.gen(function*() {
            const fake = new FakeTelegramServer(BOT_TOKEN)
            yield* Effect.acquireRelease(
              Effect.tryPromise({
                try: () => fake.listen(),
                catch: (cause) => new Processes.BenchFailed({ message: `the fake Bot API could not listen: ${String(cause)}` })
              }),
              // Closing the fake at the end of the bench: a failure there changes no result.
              () => Effect.ignore(Effect.tryPromise(() => fake.close()))
            )
            const dir = yield* Effect.acquireRelease(
              fs.makeTempDirectory({ directory: work, prefix: "connector-" }),
              (d) => Effect.ignore(fs.remove(d, { recursive: true }))
            ).pipe(Effect.mapError((e) => new Processes.BenchFailed({ message: e.message })))
            return yield* Runs.toFirstPoll(launch(mode, ["connector", "telegram"], {
              SWITCHBOARD_URL: hub?.url ?? "",
              SWITCHBOARD_API_TOKEN: token === undefined ? "" : Redacted.value(token.secret),
              CONNECTOR_ENDPOINT_IDENTITY: "support_bot",
              CONNECTOR_CURSOR_PATH: Path.join(dir, "cursor.json"),
              CONNECTOR_BLOB_STORE_DIR: Path.join(dir, "blobs"),
              BUTLER_TELEGRAM_TOKEN: BOT_TOKEN,
              TELEGRAM_API_BASE_URL: fake.url
            }), fake, log)
          }))
      }
    }
    const modesOf = (c: Case) => (c.floor ? (["build"] as const) : modes)

    yield* Console.log("warm-up (not measured): one run of each")
    for (const id of chosen) for (const mode of modesOf(cases[id])) yield* measure(id, mode)
    const samples: Record<string, Array<number>> = {}
    for (let run = 1; run <= o.runs; run++) {
      for (const id of chosen) {
        for (const mode of modesOf(cases[id])) {
          const ms = yield* measure(id, mode)
          ;(samples[`${id}/${mode}`] ??= []).push(Math.round(ms))
        }
      }
      yield* Console.log(`run ${run}/${o.runs} done; load average ${loadAvg().join(" ")}`)
    }
    const loadAfter = loadAvg()
    const results = chosen.flatMap((id) => modesOf(cases[id]).map((mode) => summarize(id, mode, samples[`${id}/${mode}`] ?? [])))
    yield* Console.log(table(results))
    yield* Console.log(`load average before ${loadBefore.join(" ")}, after ${loadAfter.join(" ")}; ${Os.cpus().length} cores`)
    const out = Path.resolve(root, o.out)
    yield* fs.writeFileString(out, JSON.stringify({
      bench: "startup",
      at: DateTime.formatIso(yield* DateTime.now),
      command: `npm run bench:startup -- --runs ${o.runs} --cases ${chosen.join(",")}${o.noSources ? " --no-sources" : ""}` +
        Option.getOrElse(Option.map(o.sourcesDir, (d) => ` --sources-dir ${d}`), () => ""),
      sources: o.noSources ? null : sourcesRoot,
      node: process.version,
      cores: Os.cpus().length,
      load_average: { before: loadBefore, after: loadAfter },
      database: db.where,
      results
    }, null, 2) + "\n")
    yield* Console.log(`written: ${Path.relative(root, out)}`)
  }).pipe(Effect.scoped))

/** `npm start`'s command's environment: the embedded data directory `dir`, the measured port. */
const serveEnv = (dir: string) => ({
  DATABASE_URL: "",
  SWITCHBOARD_DATA_DIR: dir,
  SWITCHBOARD_PORT: String(SERVE_PORT),
  SWITCHBOARD_HOST: "127.0.0.1"
})

Command.run(bench, { name: "bench-startup", version: "0.1.0" })(process.argv).pipe(
  Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)),
  NodeRuntime.runMain
)
