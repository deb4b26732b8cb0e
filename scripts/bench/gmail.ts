/**
 * `npm run bench:gmail` (issue 9): N mails (default 10,000; a mix of the corpus shapes, one in three
 * with PNG attachments) from the fake Gmail API through the real connector process
 * (`scripts/switchboard connector gmail`) into the real hub on a fresh Postgres database, measured end
 * to end (mails/s until the last one is in message_inbox). Baseline in the same run: envelopes of the
 * same shapes, normalised by the same code beforehand (not timed), posted straight to the hub's
 * POST /api/ingest/batch (100 per request, 8 in flight).
 *
 *   npm run bench:gmail                    # 10,000 mails
 *   BENCH_MAILS=1000 npm run bench:gmail   # smoke run
 *   BENCH_PROFILE_DIR=/tmp/prof npm run bench:gmail   # CPU profile of the connector process
 */
import { FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Config, Console, Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import * as Child from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import pg from "pg"
import * as MemoryBlobStore from "../../layers/BlobStore/MemoryBlobStore.js"
import * as HttpGmailApi from "../../layers/GmailApi/HttpGmailApi.js"
import * as EnvGmailCredentials from "../../layers/GmailCredentials/EnvGmailCredentials.js"
import * as GmailConnector from "../../src/connectors/gmail/GmailConnector.js"
import { DEFAULT_EXCLUDE } from "../../src/connectors/gmail/Settings.js"
import type { IngestEnvelopeInput } from "../../src/domain/Envelope.js"
import type { Cursor } from "../../services/SourceConnector.js"
import * as FakeGmail from "../../test/support/FakeGmail.js"
import * as BenchDatabase from "./BenchDatabase.js"
import * as Processes from "./Processes.js"

const MAILBOX = "bench@example.com"
const BASELINE_MAILBOX = "baseline@example.com"
const root = Path.resolve(import.meta.dirname, "../..")
const SHAPES = [
  "full_text_plain_only",
  "full_multipart_alternative",
  "full_mixed_alternative_plus_png_attachment",
  "full_html_only_utf8_qp",
  "full_reply_qp_with_attachment",
  "full_empty_subject_alternative"
] as const

const count = (db: BenchDatabase.BenchDatabase, endpoint: string) =>
  Effect.tryPromise({
    try: async () => {
      const client = new pg.Client({ connectionString: db.url })
      await client.connect()
      try {
        const r = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM message_inbox WHERE source_endpoint_identity = $1",
          [endpoint]
        )
        return r.rows[0]?.n ?? 0
      } finally {
        await client.end()
      }
    },
    catch: (e) => new Processes.BenchFailed({ message: `count rows: ${String(e)}` })
  })

const fill = (fake: FakeGmail.FakeGmailServer, n: number) => {
  for (let i = 0; i < n; i++) fake.addMessage({ shape: SHAPES[i % SHAPES.length]! })
}

/** The baseline's envelopes: the connector's own fetch, in this process, before anything is timed. */
const normalised = (fake: FakeGmail.FakeGmailServer, start: Cursor) =>
  Effect.gen(function*() {
    const made = yield* GmailConnector.make({
      endpointIdentity: `gmail:user:${BASELINE_MAILBOX}`,
      mailbox: BASELINE_MAILBOX,
      settings: { pollInterval: Duration.seconds(60), labelInclude: [], labelExclude: DEFAULT_EXCLUDE, pubsub: Option.none() },
      concurrency: 8
    })
    const envelopes: Array<IngestEnvelopeInput> = []
    let at = start
    for (;;) {
      const batch = yield* made.connector.fetch(Option.some(at))
      for (const item of batch.items) if (item._tag === "Event") envelopes.push(item.envelope)
      at = batch.next
      if (batch.items.length === 0) return envelopes
    }
  }).pipe(
    Effect.provide(Layer.merge(
      HttpGmailApi.layer({ baseUrl: fake.url, tokenUrl: fake.tokenUrl, requestTimeout: Duration.seconds(30) }).pipe(
        Layer.provide(EnvGmailCredentials.layer({
          clientId: fake.oauth.clientId,
          clientSecret: Redacted.make(fake.oauth.clientSecret),
          refreshToken: Redacted.make(fake.oauth.initialRefreshToken)
        })),
        Layer.provide(NodeHttpClient.layerUndici)
      ),
      MemoryBlobStore.layer
    )),
    Effect.mapError((e) => new Processes.BenchFailed({ message: `normalising the baseline: ${e.message}` }))
  )

const { rate, seconds } = Processes

const program = Effect.gen(function*() {
  const n = yield* Config.integer("BENCH_MAILS").pipe(Config.withDefault(10_000))
  const profileDir = yield* Config.option(Config.string("BENCH_PROFILE_DIR"))
  const maxInflight = yield* Config.integer("CONNECTOR_MAX_INFLIGHT").pipe(Config.withDefault(8))
  const pgUrl = yield* Config.string("BENCH_PG_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres"))
  const fs = yield* FileSystem.FileSystem
  const outDir = Path.resolve(root, "bench-results")
  yield* fs.makeDirectory(Path.join(outDir, "logs"), { recursive: true })
  yield* Console.log(`gmail bench: ${n} mails, CONNECTOR_MAX_INFLIGHT ${maxInflight}; load average ${Os.loadavg().map((l) => l.toFixed(2)).join(" ")}`)

  const db = yield* BenchDatabase.acquire(pgUrl)
  const baselineEndpoint = `gmail:user:${BASELINE_MAILBOX}`
  const endpoint = `gmail:user:${MAILBOX}`
  const baselineToken = yield* Processes.createToken(db, { channel: "email", provider: "gmail", endpoint: baselineEndpoint })
  const token = yield* Processes.createToken(db, { channel: "email", provider: "gmail", endpoint })
  const hub = yield* Processes.startHub({ db, poolSize: 16, logFile: Path.join(outDir, "logs", "gmail-hub.log"), profileDir: undefined })

  const baselineFake = yield* FakeGmail.make({ emailAddress: BASELINE_MAILBOX })
  const baselineStart: Cursor = { history_id: String(baselineFake.mailbox.historyId) }
  fill(baselineFake, n)
  const envelopes = yield* normalised(baselineFake, baselineStart)
  const directMs = yield* Processes.postBatches(hub.url, Redacted.value(baselineToken.secret), envelopes)
  const directRows = yield* count(db, baselineEndpoint)

  const fake = yield* FakeGmail.make({ emailAddress: MAILBOX })
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-bench-gmail-"))),
    (d) => Effect.sync(() => Fs.rmSync(d, { recursive: true, force: true }))
  )
  const cursorPath = Path.join(dir, "gmail_cursor.json")
  Fs.writeFileSync(cursorPath, JSON.stringify({ history_id: String(fake.mailbox.historyId) }))
  fill(fake, n)
  const log = Fs.openSync(Path.join(outDir, "logs", "gmail-connector.log"), "w")
  const started = performance.now()
  const child = yield* Effect.acquireRelease(
    Effect.sync(() =>
      Child.spawn(process.execPath, [
        ...(Option.isSome(profileDir) ? ["--cpu-prof", `--cpu-prof-dir=${profileDir.value}`] : []),
        ...["--import", "tsx", Path.join(root, "src/main.ts"), "connector", "gmail"]
      ], {
        env: {
          ...process.env,
          SWITCHBOARD_URL: hub.url,
          SWITCHBOARD_API_TOKEN: Redacted.value(token.secret),
          SWITCHBOARD_LOG_LEVEL: "Warn",
          CONNECTOR_MAX_INFLIGHT: String(maxInflight),
          CONNECTOR_ENDPOINT_IDENTITY: endpoint,
          CONNECTOR_CURSOR_PATH: cursorPath,
          CONNECTOR_BLOB_STORE_DIR: Path.join(dir, "blobs"),
          GMAIL_POLL_INTERVAL_S: "1",
          GMAIL_API_BASE_URL: fake.url,
          GOOGLE_OAUTH_TOKEN_URL: fake.tokenUrl,
          GMAIL_CLIENT_ID: fake.oauth.clientId,
          GMAIL_CLIENT_SECRET: fake.oauth.clientSecret,
          GMAIL_REFRESH_TOKEN: fake.oauth.initialRefreshToken
        },
        stdio: ["ignore", log, log]
      })
    ),
    (c) => Effect.sync(() => c.kill("SIGTERM"))
  )
  const rows = yield* count(db, endpoint).pipe(
    Effect.repeat({ schedule: Schedule.passthrough(Schedule.spaced("100 millis")), until: (r) => r >= n || child.exitCode !== null }),
    Effect.timeoutFail({ duration: "15 minutes", onTimeout: () => new Processes.BenchFailed({ message: "connector too slow" }) })
  )
  const finished = performance.now()
  const endToEndMs = finished - started
  const cpu = yield* Processes.cpuSeconds(child.pid ?? 0)

  const table = [
    ["path", "mails", "rows", "seconds", "mails/s"],
    ["baseline: same envelopes, POST /api/ingest/batch x100, 8 in flight", String(envelopes.length), String(directRows), String(seconds(directMs)), String(rate(envelopes.length, directMs))],
    ["connector end to end (process start → last row)", String(n), String(rows), String(seconds(endToEndMs)), String(rate(n, endToEndMs))]
  ]
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)))
  yield* Console.log(table.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")).join("\n"))
  const ratio = rate(n, endToEndMs) / rate(envelopes.length, directMs)
  yield* Console.log(
    `Gmail API calls: history.list ${fake.count("history.list")}, messages.get ${fake.count("messages.get")}, ` +
      `attachments.get ${fake.count("messages.attachments.get")}, token ${fake.count("token")}; ` +
      `connector CPU: ${Option.getOrElse(Option.map(cpu, String), () => "?")} s; ratio connector/baseline: ${ratio.toFixed(2)} ` +
      `(goal >= 0.5: ${ratio >= 0.5 ? "met" : "NOT met"}); load average ${Os.loadavg().map((l) => l.toFixed(2)).join(" ")}`
  )
  if (rows !== n) return yield* new Processes.BenchFailed({ message: `only ${rows} of ${n} mails reached the inbox` })
})

program.pipe(
  Effect.scoped,
  Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)),
  NodeRuntime.runMain
)
