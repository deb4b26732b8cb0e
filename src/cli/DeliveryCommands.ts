/** `switchboard targets|routes|deadletters …`: delivery targets (webhooks; actions, issue 10), routing rules, dead letters (issue 5). */
import { Args, Command, Options } from "@effect/cli"
import * as Fs from "node:fs"
import { Clock, Console, Data, Effect, Either, Option, Redacted } from "effect"
import { sanitize } from "../delivery/RetryPolicy.js"
import * as Signature from "../delivery/Signature.js"
import { ActionTargets } from "../../services/ActionTargets.js"
import { DeliveryStore } from "../../services/DeliveryStore.js"
import { RoutingStore } from "../../services/RoutingStore.js"
import { TargetTester } from "../../services/TargetTester.js"
import * as DurationSpec from "./DurationSpec.js"
import { targetView } from "../console/Views.js"
import * as Help from "./Help.js"
import * as Output from "./Output.js"

/** The arguments of a command do not fit together; the message says how to call it. */
class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** `targets test` reached no receiver or got an answer other than 2xx (the details were printed). */
class TargetTestFailed extends Data.TaggedError("TargetTestFailed")<{ readonly message: string }> {}

const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of text"))
const APPLIES = "running hubs apply this within SWITCHBOARD_ROUTING_REFRESH (default 2 s)"

const text = (name: string, description: string) =>
  Options.text(name).pipe(Options.optional, Options.withDescription(description))

/** The secret from exactly one of --secret, --secret-env, --secret-stdin, or none (generate one). */
const secretFrom = (o: {
  readonly secret: Option.Option<string>
  readonly secretEnv: Option.Option<string>
  readonly secretStdin: boolean
}) =>
  Effect.gen(function*() {
    const sources = [Option.isSome(o.secret), Option.isSome(o.secretEnv), o.secretStdin].filter(Boolean).length
    if (sources > 1) return yield* new UsageError({ message: "give the secret one way: --secret, --secret-env or --secret-stdin" })
    if (Option.isSome(o.secretEnv)) {
      const name = o.secretEnv.value
      const value = process.env[name]?.trim() ?? ""
      if (value === "") return yield* new UsageError({ message: `--secret-env ${name}: that environment variable is not set or empty` })
      return Option.some(Redacted.make(value))
    }
    if (o.secretStdin) {
      const line = yield* Effect.try({
        try: () => Fs.readFileSync(0, "utf8").split("\n")[0]?.trim() ?? "",
        catch: () => new UsageError({ message: "--secret-stdin: standard input could not be read" })
      })
      if (line === "") return yield* new UsageError({ message: "--secret-stdin: standard input held no secret" })
      return Option.some(Redacted.make(line))
    }
    return Option.map(o.secret, (s) => Redacted.make(s))
  })

/** `targets add NAME --action … --template … --owner …`: an action target (issue 10). */
const addActionTarget = (
  name: string,
  action: string,
  o: {
    readonly url: Option.Option<string>
    readonly template: Option.Option<string>
    readonly owner: Option.Option<string>
    readonly secret: Option.Option<string>
    readonly secretEnv: Option.Option<string>
    readonly secretStdin: boolean
    readonly json: boolean
  }
) =>
  Effect.gen(function*() {
    if (Option.isSome(o.url) || Option.isSome(o.secret) || Option.isSome(o.secretEnv) || o.secretStdin) {
      return yield* new UsageError({ message: "--action targets take no --url or signing secret" })
    }
    if (Option.isNone(o.template) || Option.isNone(o.owner)) {
      return yield* new UsageError({ message: "--action needs --template '<json body>' and --owner <token id>" })
    }
    const record = yield* (yield* ActionTargets).add({ name, action, template: o.template.value, owner: o.owner.value })
    yield* o.json ? Output.json(record) : Console.log(`added target ${record.name} -> ${record.url} (${record.secret_fingerprint}); ${APPLIES}`)
  })

const targetsAdd = Command.make(
  "add",
  {
    name: Args.text({ name: "NAME" }).pipe(Args.withDescription("target name (a-z, 0-9, - and _); \"general\" is the catch-all")),
    url: text("url", "http(s) URL that receives a signed POST per request (webhook targets)"),
    action: text("action", "run this outbound action per request instead (slack.send, telegram.send, email.send, notion.create, sheets.append)"),
    template: text("template", "with --action: the action's body as JSON, with {{normalized_text}}-style fields of the request"),
    owner: text("owner", "with --action: the token id (tk_…, role actions or admin) whose plan and quota the deliveries spend"),
    secret: text(
      "secret",
      "signing secret, whsec_ + base64 of 24-64 bytes (visible in ps and shell history: prefer --secret-env or --secret-stdin; default: generated and printed once)"
    ),
    secretEnv: text("secret-env", "read the signing secret from this environment variable"),
    secretStdin: Options.boolean("secret-stdin").pipe(
      Options.withDescription("read the signing secret from standard input (its first line)")
    ),
    json
  },
  (o) =>
    Effect.gen(function*() {
      if (Option.isSome(o.action)) return yield* addActionTarget(o.name, o.action.value, o)
      if (Option.isNone(o.url)) return yield* new UsageError({ message: "give --url (a webhook target) or --action (an action target)" })
      if (Option.isSome(o.template) || Option.isSome(o.owner)) {
        return yield* new UsageError({ message: "--template and --owner go with --action, not with --url" })
      }
      const given = yield* secretFrom(o)
      const generated = Option.isNone(given)
      const secret = Option.getOrElse(given, Signature.generateSecret)
      const record = yield* (yield* RoutingStore).addTarget({ name: o.name, url: o.url.value, secret })
      if (o.json) return yield* Output.json({ ...record, ...(generated ? { secret: Redacted.value(secret) } : {}) })
      yield* Console.log(`added target ${record.name} -> ${record.url} (secret ${record.secret_fingerprint}); ${APPLIES}`)
      if (generated) {
        yield* Console.log(`signing secret (shown once; give it to the receiver to verify webhook-signature):`)
        yield* Console.log(`  ${Redacted.value(secret)}`)
      }
    })
).pipe(
  Command.withDescription(Help.describe("add a signed HTTP webhook target, or an action target", {
    details: [
      "A webhook target receives a POST per request, signed as Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). " +
      "An action target runs an outbound action per request instead, with --template as its body and --owner's plan and quota."
    ],
    examples: [
      "switchboard targets add crm --url https://crm.example.com/hooks/switchboard",
      "switchboard targets add crm --url https://crm.example.com/hooks/switchboard --secret-env CRM_WEBHOOK_SECRET",
      "switchboard targets add alerts --action slack.send --template '{\"text\":\"{{normalized_text}}\"}' --owner tk_0123456789ab"
    ]
  }))
)

const targetsList = Command.make(
  "list",
  { all: Options.boolean("all").pipe(Options.withDescription("include removed targets")), json },
  (o) =>
    Effect.gen(function*() {
      const targets = yield* (yield* RoutingStore).listTargets(o.all)
      if (o.json) return yield* Output.json(targets)
      yield* Output.table(
        targets.map((t) => ({
          name: t.name,
          url: t.url,
          secret: t.secret_fingerprint,
          created: t.created_at,
          paused: t.paused_at ?? "",
          removed: t.removed_at ?? ""
        })),
        ["name", "url", "secret", "created", "paused", "removed"]
      )
    })
).pipe(Command.withDescription(Help.describe("list targets (never their secrets)", {
  examples: ["switchboard targets list", "switchboard targets list --all --json"]
})))

const targetsRemove = Command.make(
  "remove",
  { name: Args.text({ name: "NAME" }).pipe(Args.withDescription("target name (see targets list)")) },
  (o) =>
    Effect.gen(function*() {
      const { rulesRemoved, target } = yield* (yield* RoutingStore).removeTarget(o.name)
      yield* Console.log(
        `removed target ${target.name} and its ${rulesRemoved} route(s); its pending deliveries become dead letters; ${APPLIES}`
      )
    })
).pipe(Command.withDescription(Help.describe("remove a target and the routes to it", {
  details: ["Its pending deliveries become dead letters."],
  examples: ["switchboard targets remove crm"]
})))

const routesAdd = Command.make(
  "add",
  {
    channel: text("channel", "match this source channel"),
    provider: text("provider", "match this source provider"),
    endpoint: text("endpoint", "match this source endpoint_identity"),
    sender: text("sender", "match this sender identity"),
    textMatches: text(
      "text-matches",
      "match normalized_text against this RE2 regular expression (unanchored; no backreferences or lookaround; at most 1000 characters)"
    ),
    ignoreCase: Options.boolean("ignore-case").pipe(Options.withDescription("--text-matches ignores upper and lower case")),
    target: Options.text("target").pipe(Options.withDescription("deliver matching requests to this target")),
    priority: Options.integer("priority").pipe(
      Options.withDefault(100),
      Options.withDescription("rules run in ascending priority (then creation) order; default 100")
    ),
    stop: Options.boolean("stop").pipe(Options.withDescription("when this rule matches, evaluate no further rules")),
    json
  },
  (o) =>
    Effect.gen(function*() {
      const rule = yield* (yield* RoutingStore).addRule({
        priority: o.priority,
        channel: Option.getOrNull(o.channel),
        provider: Option.getOrNull(o.provider),
        endpoint_identity: Option.getOrNull(o.endpoint),
        sender_identity: Option.getOrNull(o.sender),
        text_pattern: Option.getOrNull(o.textMatches),
        ignore_case: o.ignoreCase,
        stop: o.stop,
        target: o.target
      })
      yield* o.json ? Output.json(rule) : Console.log(`added route ${rule.id} -> ${rule.target}; ${APPLIES}`)
    })
).pipe(Command.withDescription(Help.describe("add a routing rule: requests matching it go to --target", {
  details: ["Every matcher is optional; all the given ones must match. Rules run in ascending --priority (then creation) order."],
  examples: [
    "switchboard routes add --channel telegram --target crm",
    "switchboard routes add --text-matches 'invoice|receipt' --ignore-case --target accounting --priority 10 --stop"
  ]
})))

const routesList = Command.make("list", { json }, (o) =>
  Effect.gen(function*() {
    const rules = yield* (yield* RoutingStore).listRules
    if (o.json) return yield* Output.json(rules)
    const orWildcard = (v: string | null) => v ?? "*"
    yield* Output.table(
      rules.map((r) => ({
        id: r.id,
        priority: String(r.priority),
        channel: orWildcard(r.channel),
        provider: orWildcard(r.provider),
        endpoint: orWildcard(r.endpoint_identity),
        sender: orWildcard(r.sender_identity),
        text: r.text_pattern === null ? "*" : `/${r.text_pattern}/${r.ignore_case ? "i" : ""}`,
        target: r.target,
        stop: r.stop ? "stop" : ""
      })),
      ["id", "priority", "channel", "provider", "endpoint", "sender", "text", "target", "stop"]
    )
  })).pipe(Command.withDescription(Help.describe("list routing rules in evaluation order", {
    examples: ["switchboard routes list", "switchboard routes list --json"]
  })))

const routesRemove = Command.make("remove", { id: Args.text({ name: "ID" }).pipe(Args.withDescription("rule id (see routes list)")) }, (o) =>
  Effect.gen(function*() {
    const rule = yield* (yield* RoutingStore).removeRule(o.id)
    yield* Console.log(`removed route ${rule.id} -> ${rule.target}; ${APPLIES}`)
  })).pipe(Command.withDescription(Help.describe("remove a routing rule", { examples: ["switchboard routes remove 7"] })))

/** `--since` as an ISO time or a lookback such as 24h. */
const sinceDate = (spec: string) =>
  Effect.gen(function*() {
    const lookback = DurationSpec.parse(spec)
    if (Either.isRight(lookback) && lookback.right !== "never") {
      return new Date((yield* Clock.currentTimeMillis) - lookback.right)
    }
    const at = Date.parse(spec)
    return Number.isNaN(at)
      ? yield* new UsageError({ message: `--since must be an ISO time or a lookback such as 24h (got "${spec}")` })
      : new Date(at)
  })

const deadLettersList = Command.make(
  "list",
  { target: text("target", "only this target"), since: text("since", "only letters since (ISO time, or 24h, 7d…)"), json },
  (o) =>
    Effect.gen(function*() {
      const since = Option.isSome(o.since) ? yield* sinceDate(o.since.value) : null
      const letters = yield* (yield* DeliveryStore).listDeadLetters({ target: Option.getOrNull(o.target), since })
      if (o.json) return yield* Output.json(letters)
      yield* Output.table(
        letters.map((l) => ({
          id: l.id,
          target: l.target,
          request_id: l.request_id,
          webhook_id: l.webhook_id,
          attempts: String(l.attempts),
          dead_at: l.dead_at,
          replayed_at: l.replayed_at ?? "",
          last_error: l.last_error
        })),
        ["id", "target", "request_id", "webhook_id", "attempts", "dead_at", "replayed_at", "last_error"]
      )
    })
).pipe(Command.withDescription(Help.describe("list dead letters, newest first", {
  examples: ["switchboard deadletters list", "switchboard deadletters list --target crm --since 24h --json"]
})))

const deadLettersReplay = Command.make(
  "replay",
  {
    id: Args.text({ name: "ID" }).pipe(Args.optional, Args.withDescription("dead letter id (see deadletters list)")),
    all: Options.boolean("all").pipe(Options.withDescription("replay every unreplayed letter of --target")),
    target: text("target", "with --all: the target whose letters to replay"),
    json
  },
  (o) =>
    Effect.gen(function*() {
      const store = yield* DeliveryStore
      if (Option.isSome(o.id) && !o.all && Option.isNone(o.target)) {
        const result = yield* store.replay(o.id.value)
        return yield* o.json
          ? Output.json({ id: o.id.value, result })
          : Console.log(`dead letter ${o.id.value}: ${result}`)
      }
      if (Option.isNone(o.id) && o.all && Option.isSome(o.target)) {
        const replayed = yield* store.replayAll(o.target.value)
        return yield* o.json
          ? Output.json({ target: o.target.value, replayed })
          : Console.log(`target ${o.target.value}: replayed ${replayed} dead letter(s)`)
      }
      return yield* new UsageError({ message: "give either a dead letter ID, or --all --target NAME" })
    })
).pipe(Command.withDescription(Help.describe("deliver dead letters again with the same webhook-id (once per letter)", {
  details: ["Give one dead letter ID, or --all --target NAME for every unreplayed letter of that target."],
  examples: ["switchboard deadletters replay 42", "switchboard deadletters replay --all --target crm"]
})))


/** The live target `name` after a change, for `--json` (the store answers only counts). */
const liveTarget = (name: string) =>
  Effect.flatMap(RoutingStore, (store) => store.listTargets(false)).pipe(
    Effect.map((targets) => targets.find((t) => t.name === name)),
    Effect.flatMap((t) => (t === undefined ? Effect.dieMessage(`target ${name} vanished while it was changed`) : Effect.succeed(targetView(t))))
  )

const targetName = Args.text({ name: "NAME" }).pipe(Args.withDescription("target name (see targets list)"))

const targetsPause = Command.make("pause", { name: targetName, json }, (o) =>
  Effect.gen(function*() {
    const { held, paused_at } = yield* (yield* DeliveryStore).pauseTarget(o.name)
    if (o.json) return yield* Output.json({ data: { target: yield* liveTarget(o.name), deliveries: held }, meta: {} })
    yield* Console.log(
      `paused target ${o.name} (since ${paused_at.toISOString()}): ${held} pending deliver${held === 1 ? "y waits" : "ies wait"}, ` +
        `and new ones wait too; nothing is lost. Resume with: switchboard targets resume ${o.name}`
    )
  })).pipe(Command.withDescription(Help.describe("pause a target: its deliveries wait until it is resumed", {
    details: ["None is attempted and none is lost; new deliveries wait too."],
    examples: ["switchboard targets pause crm"]
  })))

const targetsResume = Command.make("resume", { name: targetName, json }, (o) =>
  Effect.gen(function*() {
    const { released } = yield* (yield* DeliveryStore).resumeTarget(o.name)
    if (o.json) return yield* Output.json({ data: { target: yield* liveTarget(o.name), deliveries: released }, meta: {} })
    yield* Console.log(`resumed target ${o.name}: ${released} held deliver${released === 1 ? "y is" : "ies are"} due now`)
  })).pipe(Command.withDescription(Help.describe("resume a paused target: the deliveries it held are due at once", {
    details: ["Resuming a running target does nothing."],
    examples: ["switchboard targets resume crm", "switchboard targets resume crm --json"]
  })))

const targetsTest = Command.make("test", { name: targetName, json }, (o) =>
  Effect.gen(function*() {
    const result = yield* (yield* TargetTester).test(o.name)
    if (o.json) yield* Output.json({ data: result, meta: {} })
    else {
      const answer = result.status === null ? "no answer" : `HTTP ${result.status}`
      yield* Console.log(
        [
          `test event to ${result.target} (${result.url}), webhook-id ${result.webhook_id}`,
          `  ${answer} in ${result.latency_ms} ms${result.ok ? " (ok)" : ""}`,
          ...(result.error === null ? [] : [`  error: ${sanitize(result.error, 300)}`]),
          `  answer: ${result.response_excerpt === "" ? "(empty)" : sanitize(result.response_excerpt, 1000)}`
        ].join("\n")
      )
    }
    if (!result.ok) {
      return yield* new TargetTestFailed({
        message: `${o.name} ${result.status === null ? "did not answer" : `answered HTTP ${result.status}`}; ` +
          "a receiver must answer 2xx to a signed POST (check its URL, that it is up, and that it verifies with this target's secret)"
      })
    }
  })).pipe(Command.withDescription(Help.describe("send a signed switchboard.test event to a webhook target now", {
    details: ["Prints the answer (status, latency, excerpt); nothing is stored; exits 1 unless the receiver answered 2xx."],
    examples: ["switchboard targets test crm", "switchboard targets test crm --json"]
  })))

export const targetsCommand = Command.make("targets").pipe(
  Command.withDescription(Help.describe("manage delivery targets (signed HTTP webhooks and actions)", {
    examples: ["switchboard targets list", "switchboard targets add --help"]
  })),
  Command.withSubcommands([targetsAdd, targetsList, targetsRemove, targetsPause, targetsResume, targetsTest])
)

export const routesCommand = Command.make("routes").pipe(
  Command.withDescription(Help.describe("manage routing rules (which targets get which requests)", {
    examples: ["switchboard routes list", "switchboard routes add --help"]
  })),
  Command.withSubcommands([routesAdd, routesList, routesRemove])
)

export const deadLettersCommand = Command.make("deadletters").pipe(
  Command.withDescription(Help.describe("list and replay deliveries that gave up", {
    examples: ["switchboard deadletters list --since 24h"]
  })),
  Command.withSubcommands([deadLettersList, deadLettersReplay])
)
