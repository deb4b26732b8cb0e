/**
 * `npm run bench:actions` (issue 10): outbound action calls per second through the real hub
 * (`scripts/switchboard serve` on a fresh Postgres database, a pro-plan token with role actions) to a
 * local fake Slack incoming webhook, against a bare `fetch` to the same fake in the same run: same
 * client code, same bodies, same concurrency; rounds alternate which side goes first. Repeated for each
 * provider latency in BENCH_PROVIDER_LATENCIES_MS (default 0,20,100: an instant fake, then fakes that
 * answer like a real provider, which takes 100–300 ms). Prints a table and writes bench-results/actions.json.
 *
 *   npm run bench:actions                                   # 4,000 calls per side and round, 3 rounds
 *   BENCH_CALLS=500 BENCH_ROUNDS=1 npm run bench:actions    # smoke run
 */
import { Command, FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Config, Console, Effect, Layer, Option, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Fake from "../../test/actions/support/FakeProviders.js"
import * as BenchDatabase from "./BenchDatabase.js"
import * as Processes from "./Processes.js"

const settings = Config.all({
  calls: Config.integer("BENCH_CALLS").pipe(Config.withDefault(4_000)),
  rounds: Config.integer("BENCH_ROUNDS").pipe(Config.withDefault(3)),
  concurrency: Config.integer("BENCH_CONCURRENCY").pipe(Config.withDefault(32)),
  latencies: Config.string("BENCH_PROVIDER_LATENCIES_MS").pipe(
    Config.withDefault("0,20,100"),
    Config.map((list) => list.split(",").map((v) => Number(v.trim())).filter((n) => Number.isFinite(n) && n >= 0))
  ),
  poolSize: Config.integer("SWITCHBOARD_DB_POOL_SIZE").pipe(Config.withDefault(16)),
  pgUrl: Config.string("BENCH_PG_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres")),
  out: Config.string("BENCH_OUT").pipe(Config.withDefault("bench-results/actions.json")),
  /** Run the hub under node --cpu-prof, writing its profile here (summarize with profile-summary.ts). */
  profileDir: Config.option(Config.string("BENCH_PROFILE_DIR"))
})

const root = Path.resolve(import.meta.dirname, "../..")

interface Side {
  readonly url: string
  readonly headers: Record<string, string>
}

/** `calls` POSTs of a Slack body at `concurrency`; every answer must be 200. */
const drive = (side: Side, calls: number, concurrency: number, label: string) =>
  Effect.tryPromise({
    try: async () => {
      let next = 0
      let failed = 0
      let firstFailure = ""
      const started = performance.now()
      const worker = async () => {
        while (next < calls) {
          const i = next++
          const res = await fetch(side.url, {
            method: "POST",
            headers: { "content-type": "application/json", ...side.headers },
            body: JSON.stringify({ text: `bench message ${label} ${i}` })
          })
          const text = await res.text()
          if (res.status !== 200) {
            failed++
            if (firstFailure === "") firstFailure = `HTTP ${res.status}: ${text.slice(0, 200)}`
          }
        }
      }
      await Promise.all(Array.from({ length: concurrency }, worker))
      return { seconds: (performance.now() - started) / 1000, failed, firstFailure }
    },
    catch: (e) => new Processes.BenchFailed({ message: `${label}: ${String(e)}` })
  }).pipe(
    Effect.filterOrFail(
      (r) => r.failed === 0,
      (r) => new Processes.BenchFailed({ message: `${label}: ${r.failed} calls failed, first: ${r.firstFailure}` })
    )
  )

const TokenOutput = Schema.parseJson(Schema.Struct({ token: Schema.String, id: Schema.String }))

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const program = Effect.gen(function*() {
  const s = yield* settings
  const db = yield* BenchDatabase.acquire(s.pgUrl)
  const fake = yield* Fake.make
  const dataDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-bench-actions-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dataDir, { recursive: true, force: true })))
  // The hub process inherits these: its Slack connector points at the fake, its action log goes to the temp dir.
  yield* Effect.sync(() => Object.assign(process.env, { ...fake.env(), SWITCHBOARD_DATA_DIR: dataDir }))

  const created = yield* Command.make(
    Path.join(root, "scripts/switchboard"),
    ...["token", "create", "--channel", "*", "--provider", "*", "--endpoint", "*", "--role", "actions", "--plan", "pro"],
    ...["--label", "actions bench", "--json"]
  ).pipe(Command.env({ DATABASE_URL: db.url, SWITCHBOARD_LOG_LEVEL: "Warn" }), Command.string, Effect.flatMap(Schema.decode(TokenOutput)))
  const hub = yield* Processes.startHub({ db, poolSize: s.poolSize, logFile: Path.join(dataDir, "hub.log"), profileDir: Option.getOrUndefined(Option.map(s.profileDir, (d) => Path.resolve(d))) })
  yield* Console.log(`hub ${hub.url} (pid ${hub.pid}), fake provider ${fake.url}, ${s.calls} calls x ${s.rounds} rounds, c=${s.concurrency}`)

  const viaHub: Side = { url: `${hub.url}/actions/slack.send`, headers: { authorization: `Bearer ${created.token}` } }
  const bare: Side = { url: `${fake.url}${Fake.SLACK_PATH}`, headers: {} }

  // Warm-up: connections, JIT, the token cache.
  yield* drive(viaHub, 200, s.concurrency, "warm-up hub")
  yield* drive(bare, 200, s.concurrency, "warm-up bare")

  const rows: Array<Record<string, string | number>> = []
  const results: Array<Record<string, unknown>> = []
  for (const latency of s.latencies) {
    fake.delayMs = latency
    const ratios: Array<number> = []
    const hubRates: Array<number> = []
    const bareRates: Array<number> = []
    const cpuPerCall: Array<number> = []
    for (let round = 0; round < s.rounds; round++) {
      const order = round % 2 === 0 ? (["bare", "hub"] as const) : (["hub", "bare"] as const)
      const rates: Record<string, number> = {}
      for (const which of order) {
        const cpu0 = yield* Processes.cpuSeconds(hub.pid)
        const r = yield* drive(which === "hub" ? viaHub : bare, s.calls, s.concurrency, `${which} round ${round + 1}`)
        const cpu1 = yield* Processes.cpuSeconds(hub.pid)
        rates[which] = s.calls / r.seconds
        if (which === "hub" && Option.isSome(cpu0) && Option.isSome(cpu1)) cpuPerCall.push(((cpu1.value - cpu0.value) * 1000) / s.calls)
      }
      hubRates.push(rates["hub"]!)
      bareRates.push(rates["bare"]!)
      ratios.push(rates["hub"]! / rates["bare"]!)
    }
    const entry = {
      provider_latency_ms: latency,
      bare_calls_per_s: Math.round(median(bareRates)),
      hub_calls_per_s: Math.round(median(hubRates)),
      ratio_per_round: ratios.map((r) => Math.round(r * 100) / 100),
      ratio_median: Math.round(median(ratios) * 100) / 100,
      hub_cpu_ms_per_call: cpuPerCall.length === 0 ? null : Math.round(median(cpuPerCall) * 1000) / 1000
    }
    results.push(entry)
    rows.push({
      "provider latency": `${latency} ms`,
      "bare fetch /s": entry.bare_calls_per_s,
      "through hub /s": entry.hub_calls_per_s,
      "hub / bare (per round → median)": `${entry.ratio_per_round.join(", ")} → ${entry.ratio_median}`,
      "hub CPU ms/call": entry.hub_cpu_ms_per_call ?? "n/a"
    })
  }
  const slackCalls = fake.callsTo("slack").length
  yield* Console.log(`fake Slack received ${slackCalls} calls (expected ${400 + 2 * s.latencies.length * s.rounds * s.calls})`)
  const columns = Object.keys(rows[0]!)
  yield* Console.log(`| ${columns.join(" | ")} |\n|${columns.map(() => "---").join("|")}|`)
  for (const row of rows) yield* Console.log(`| ${columns.map((c) => String(row[c])).join(" | ")} |`)

  const fs = yield* FileSystem.FileSystem
  yield* fs.makeDirectory(Path.dirname(s.out), { recursive: true })
  yield* fs.writeFileString(
    s.out,
    JSON.stringify({ at: new Date().toISOString(), database: db.kind, settings: { ...s, pgUrl: undefined }, results }, null, 2)
  )
  yield* Console.log(`wrote ${s.out}`)
})

program.pipe(Effect.scoped, Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)), NodeRuntime.runMain)
