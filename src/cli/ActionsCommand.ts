/**
 * `switchboard actions health | usage | send <action> --json '<body>' | smoke [--out evidence.json]`:
 * a client of a running hub (SWITCHBOARD_URL, default http://127.0.0.1:7400). `health` needs no token;
 * the others call the Actions RPC group with SWITCHBOARD_API_TOKEN (role actions or admin). `smoke`
 * calls each configured action once, skips the others (and those it lacks an input for), and writes
 * the statuses and timings, never a secret, to the evidence file.
 */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem, HttpClient, HttpClientResponse } from "@effect/platform"
import { Clock, Config, Console, Data, Effect, Option, Redacted } from "effect"
import type { ActionsClient } from "../actions/Client.js"
import { type ActionName, actionNames, connectorOf } from "../domain/ActionCatalog.js"
import { HealthReport } from "../../services/Actions.js"
import * as Help from "./Help.js"
import * as Lazy from "./Lazy.js"
import * as Output from "./Output.js"

/** The command's input is unusable; the message says why. */
class ActionsUsageError extends Data.TaggedError("ActionsUsageError")<{ readonly message: string }> {}

/** The smoke run had failures (the evidence file lists them). */
class SmokeFailed extends Data.TaggedError("SmokeFailed")<{ readonly message: string }> {}

const HubUrl = Config.string("SWITCHBOARD_URL").pipe(
  Config.withDefault("http://127.0.0.1:7400"),
  Config.map((u) => u.replace(/\/+$/, ""))
)
// not Config.redacted: its "missing" error would not name the variable
const HubToken = Config.nonEmptyString("SWITCHBOARD_API_TOKEN").pipe(Config.map(Redacted.make))

const withClient = <A, E>(use: (client: ActionsClient["Type"]) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const url = yield* HubUrl
    const token = yield* HubToken
    const Client = yield* Lazy.load(() => import("../actions/Client.js"))
    return yield* Effect.flatMap(Client.ActionsClient, use).pipe(Effect.provide(Client.layer({ url, token })))
  })

const fetchHealth = Effect.gen(function*() {
  const url = yield* HubUrl
  const client = yield* HttpClient.HttpClient
  return yield* client.get(`${url}/actions/health`).pipe(
    Effect.flatMap(HttpClientResponse.schemaBodyJson(HealthReport)),
    Effect.scoped,
    Effect.mapError(() => new ActionsUsageError({ message: `no action health at ${url}/actions/health (is the hub running there?)` }))
  )
}).pipe(Effect.provide(Lazy.HttpClientLive))

const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of text"))

const health = Command.make("health", { json }, (o) =>
  Effect.gen(function*() {
    const report = yield* fetchHealth
    if (o.json) return yield* Output.json(report)
    yield* Output.table(
      Object.entries(report.connectors).map(([connector, configured]) => ({ connector, configured: configured ? "yes" : "no" })),
      ["connector", "configured"]
    )
    yield* Console.log(`${report.configured} of ${report.total} configured`)
  })).pipe(Command.withDescription(Help.describe("which action connectors the hub has configured (no token needed)", {
    examples: ["switchboard actions health", "SWITCHBOARD_URL=https://hub.example.com switchboard actions health --json"]
  })))

const usage = Command.make("usage", { json }, (o) =>
  Effect.gen(function*() {
    const report = yield* withClient((client) => client.ActionUsage())
    if (o.json) return yield* Output.json(report)
    yield* Console.log(`caller ${report.caller}, plan ${report.plan}, day ${report.day} (resets ${report.resets_at})`)
    yield* Output.table(
      report.actions.map((a) => ({
        action: a.action,
        today: String(a.today),
        limit: a.limit === null ? "unlimited" : String(a.limit),
        remaining: a.remaining === null ? "unlimited" : String(a.remaining),
        last_30_days: String(a.last_30_days)
      })),
      ["action", "today", "limit", "remaining", "last_30_days"]
    )
  })).pipe(Command.withDescription(Help.describe("this token's calls and limits per action, today and the last 30 days", {
    examples: ["SWITCHBOARD_API_TOKEN=sw_live_… switchboard actions usage"]
  })))

const parseBody = (text: string) =>
  Effect.try({
    try: (): unknown => JSON.parse(text),
    catch: () => new ActionsUsageError({ message: "--json must be a JSON document, e.g. '{\"text\":\"hello\"}'" })
  })

const send = Command.make(
  "send",
  {
    action: Args.choice(actionNames.map((a) => [a, a] as const), { name: "ACTION" }).pipe(Args.withDescription("the action to run")),
    body: Options.text("json").pipe(Options.withPseudoName("body"), Options.withDescription("the action's body as JSON, e.g. '{\"text\":\"hello\"}'")),
    key: Options.text("idempotency-key").pipe(Options.optional, Options.withDescription("repeat-safe key: the same key within 24 h answers the first call's result"))
  },
  (o) =>
    Effect.gen(function*() {
      const body = yield* parseBody(o.body)
      const sent = yield* withClient((client) =>
        client.ActionSend({ action: o.action, body, ...(Option.isSome(o.key) ? { idempotency_key: o.key.value } : {}) }))
      yield* Output.json(sent.replayed ? { ...sent.answer, replayed: true } : sent.answer)
    })
).pipe(Command.withDescription(Help.describe("run one action through the hub and print its answer as JSON", {
  examples: ["switchboard actions send slack.send --json '{\"text\":\"hi\"}'", "switchboard actions send telegram.send --json '{\"text\":\"hi\"}' --idempotency-key deploy-42"]
})))

interface SmokeInputs {
  readonly emailTo: Option.Option<string>
  readonly notionDatabase: Option.Option<string>
  readonly sheetsRange: string
}

/** The body smoke sends for an action, or why it is skipped. */
const smokeBody = (action: ActionName, inputs: SmokeInputs, at: string): { body: unknown } | { skip: string } => {
  const text = `Switchboard smoke test ${at}`
  switch (action) {
    case "slack.send":
    case "telegram.send":
      return { body: { text } }
    case "sheets.append":
      return { body: { range: inputs.sheetsRange, values: [["switchboard smoke test", at]] } }
    case "notion.create":
      return Option.match(inputs.notionDatabase, {
        onNone: () => ({ skip: "no --notion-database" }),
        onSome: (id) => ({ body: { database_id: id, props: { Name: { title: [{ text: { content: text } }] } } } })
      })
    case "email.send":
      return Option.match(inputs.emailTo, {
        onNone: () => ({ skip: "no --email-to" }),
        onSome: (to) => ({ body: { to, subject: "Switchboard smoke test", text } })
      })
  }
}

const smoke = Command.make(
  "smoke",
  {
    out: Options.file("out").pipe(Options.optional, Options.withDescription("write the evidence JSON (statuses and timings, no secrets) to this file")),
    emailTo: Options.text("email-to").pipe(Options.optional, Options.withDescription("recipient of the email.send test")),
    notionDatabase: Options.text("notion-database").pipe(
      Options.optional,
      Options.withDescription("database for the notion.create test (its title property must be Name)")
    ),
    sheetsRange: Options.text("sheets-range").pipe(Options.withDefault("Sheet1!A1"), Options.withDescription("range for the sheets.append test (default Sheet1!A1)"))
  },
  (o) =>
    Effect.gen(function*() {
      const started = new Date(yield* Clock.currentTimeMillis).toISOString()
      const report = yield* fetchHealth
      const results = yield* withClient((client) =>
        Effect.forEach(actionNames, (action) =>
          Effect.gen(function*() {
            if (!report.connectors[connectorOf[action]]) return { action, status: "skipped", reason: "not configured" }
            const input = smokeBody(action, o, started)
            if ("skip" in input) return { action, status: "skipped", reason: input.skip }
            const t0 = yield* Clock.currentTimeMillis
            const exit = yield* Effect.either(client.ActionSend({ action, body: input.body }))
            const ms = (yield* Clock.currentTimeMillis) - t0
            return exit._tag === "Right"
              ? { action, status: "ok", answer: exit.right.answer, ms }
              : { action, status: "failed", error: { tag: exit.left._tag, message: exit.left.message }, ms }
          })))
      const evidence = { generated_at: started, hub: yield* HubUrl, health: report, results }
      if (Option.isSome(o.out)) {
        const fs = yield* FileSystem.FileSystem
        yield* fs.writeFileString(o.out.value, `${JSON.stringify(evidence, null, 2)}\n`)
      }
      yield* Output.table(
        results.map((r) => ({
          action: r.action,
          status: r.status,
          ms: "ms" in r ? String(r.ms) : "",
          detail: "reason" in r ? String(r.reason) : "error" in r && r.error !== undefined ? `${r.error.tag}: ${r.error.message}` : ""
        })),
        ["action", "status", "ms", "detail"]
      )
      const failed = results.filter((r) => r.status === "failed").length
      if (failed > 0) return yield* new SmokeFailed({ message: `${failed} action(s) failed${Option.isSome(o.out) ? ` (see ${o.out.value})` : ""}` })
    })
).pipe(Command.withDescription(Help.describe("call each configured action once; record statuses and timings", {
  details: ["Actions that are not configured, or lack an input (--email-to, --notion-database), are skipped. Exits 1 when one failed."],
  examples: ["switchboard actions smoke --out evidence.json --email-to ops@example.com"]
})))

export const actionsCommand = Command.make("actions").pipe(
  Command.withDescription(Help.describe("outbound actions of a running hub", {
    details: ["The hub is SWITCHBOARD_URL (default http://127.0.0.1:7400); usage, send and smoke need SWITCHBOARD_API_TOKEN (role actions or admin)."],
    examples: ["switchboard actions health"]
  })),
  Command.withSubcommands([health, usage, send, smoke])
)
