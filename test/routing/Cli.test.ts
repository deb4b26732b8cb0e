import { assert, describe, it, layer } from "@effect/vitest"
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Console, Effect, Layer, Ref } from "effect"
import * as Child from "node:child_process"
import * as Path from "node:path"
import * as DeliveryLive from "../../layers/Delivery/DeliveryLive.js"
import * as HttpTargetTester from "../../layers/TargetTester/HttpTargetTester.js"
import { deadLettersCommand, routesCommand, targetsCommand } from "../../src/cli/DeliveryCommands.js"
import * as WebhookId from "../../src/delivery/WebhookId.js"
import * as TestDatabase from "../support/TestDatabase.js"

const root = Command.make("switchboard").pipe(Command.withSubcommands([targetsCommand, routesCommand, deadLettersCommand]))
const runCli = Command.run(root, { name: "switchboard", version: "test" })

/** Runs a command in-process; answers what it printed, or the error it failed with. */
const cli = (...args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const lines = yield* Ref.make<ReadonlyArray<string>>([])
    const capture = yield* Console.consoleWith((c) =>
      Effect.succeed({
        ...c,
        log: (...parts: ReadonlyArray<unknown>) => Ref.update(lines, (l) => [...l, parts.map(String).join(" ")])
      })
    )
    const exit = yield* runCli(["node", "switchboard", ...args]).pipe(Effect.withConsole(capture), Effect.either)
    return { out: (yield* Ref.get(lines)).join("\n"), error: exit._tag === "Left" ? exit.left : undefined }
  })

const messageOf = (error: unknown) =>
  typeof error === "object" && error !== null && "_tag" in error && "message" in error
    ? `${String(error._tag)}: ${String(error.message)}`
    : String(error)

const TestLayer = Layer.mergeAll(DeliveryLive.StoresLive, HttpTargetTester.layer, NodeContext.layer).pipe(
  Layer.provideMerge(TestDatabase.layer)
)

layer(TestLayer, { excludeTestServices: true, timeout: 120_000 })("targets / routes / deadletters commands", (it) => {
  it.effect("add, list and remove targets and routes; bad input fails with a message naming it", () =>
    Effect.gen(function*() {
      const added = yield* cli("targets", "add", "alpha", "--url", "http://127.0.0.1:9/hook", "--json")
      const target = JSON.parse(added.out) as { name: string; secret: string }
      assert.strictEqual(target.name, "alpha")
      assert.match(target.secret, /^whsec_/)
      assert.strictEqual(messageOf((yield* cli("targets", "add", "alpha", "--url", "http://x")).error),
        "TargetExists: a target named \"alpha\" already exists (remove it first)")

      const badRegex = yield* cli("routes", "add", "--text-matches", "(unclosed", "--target", "alpha")
      assert.match(messageOf(badRegex.error), /^RoutingInputInvalid: --text-matches is not a valid RE2 regular expression: /)
      assert.strictEqual(messageOf((yield* cli("routes", "add", "--channel", "telegram", "--target", "nope")).error),
        "TargetNotFound: no target named \"nope\"")
      assert.strictEqual(messageOf((yield* cli("routes", "add", "--channel", "fax", "--target", "alpha")).error),
        "RoutingInputInvalid: --channel \"fax\" is not a channel (one of telegram, slack, email, discord, api, mcp, sandbox)")

      yield* cli("routes", "add", "--channel", "telegram", "--text-matches", "urgent", "--ignore-case", "--target", "alpha",
        "--priority", "5")
      yield* cli("routes", "add", "--sender", "bob", "--target", "alpha", "--stop")
      const rules = JSON.parse((yield* cli("routes", "list", "--json")).out) as ReadonlyArray<Record<string, unknown>>
      assert.deepStrictEqual(rules.map((r) => [r["priority"], r["channel"], r["text_pattern"], r["ignore_case"], r["stop"]]), [
        [5, "telegram", "urgent", true, false],
        [100, null, null, false, true]
      ])
      const table = (yield* cli("routes", "list")).out
      assert.include(table, "/urgent/i")

      assert.strictEqual(messageOf((yield* cli("routes", "remove", "424242")).error), "RuleNotFound: no route with id \"424242\"")
      assert.match((yield* cli("routes", "remove", String(rules[1]!["id"]))).out, /^removed route \d+ -> alpha/)
      assert.match((yield* cli("targets", "remove", "alpha")).out, /^removed target alpha and its 1 route\(s\)/)
      assert.strictEqual((yield* cli("targets", "list")).out, "(none)")
      assert.include((yield* cli("targets", "list", "--all")).out, "alpha")
    }))

  it.effect("replays a dead letter once with its webhook-id; the second replay answers already_replayed", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* cli("targets", "add", "beta", "--url", "http://127.0.0.1:9/hook")
      // A dead letter as the worker leaves it.
      const requestId = "01900000-0000-7000-8000-000000000001"
      yield* sql`INSERT INTO message_inbox (request_id, dedupe_key, source_channel, source_provider,
          source_endpoint_identity, sender_identity, observed_at, normalized_text, received_at, lifecycle_state)
        VALUES (${requestId}, 'k1', 'sandbox', 'sandbox', 'e1', 's1', now(), 'x', now(), 'dead_lettered')`
      const webhookId = WebhookId.of(requestId, "beta")
      yield* sql`INSERT INTO delivery_outbox (request_id, target, status, attempts, next_attempt_at)
        VALUES (${requestId}, 'beta', 'dead_lettered', 8, now())`
      const inserted = yield* sql<{ id: string }>`INSERT INTO dead_letters
          (request_id, target, webhook_id, attempts, last_error, dead_at)
        VALUES (${requestId}, 'beta', ${webhookId}, 8, 'gave up after 8 attempts: HTTP 503', now()) RETURNING id`
      const id = String(inserted[0]!.id)

      assert.include((yield* cli("deadletters", "list", "--target", "beta", "--since", "1h")).out, webhookId)
      assert.strictEqual((yield* cli("deadletters", "list", "--since", "2000-01-01T00:00:00Z", "--target", "other")).out,
        "(none)")
      assert.strictEqual(messageOf((yield* cli("deadletters", "replay")).error),
        "UsageError: give either a dead letter ID, or --all --target NAME")
      assert.strictEqual((yield* cli("deadletters", "replay", id)).out, `dead letter ${id}: replayed`)
      assert.strictEqual((yield* cli("deadletters", "replay", id)).out, `dead letter ${id}: already_replayed`)
      assert.strictEqual((yield* cli("deadletters", "replay", "--all", "--target", "beta")).out,
        "target beta: replayed 0 dead letter(s)")
      const outbox = yield* sql<{ status: string; attempts: number }>`
        SELECT status, attempts FROM delivery_outbox WHERE request_id = ${requestId}`
      assert.deepStrictEqual(outbox, [{ status: "pending", attempts: 0 }])
      const inbox = yield* sql<{ lifecycle_state: string }>`SELECT lifecycle_state FROM message_inbox WHERE request_id = ${requestId}`
      assert.strictEqual(inbox[0]?.lifecycle_state, "routed")
    }))
})

describe("the switchboard script", () => {
  it.live("prints one line naming the problem and exits 1 for an invalid regex", () =>
    Effect.gen(function*() {
      const { url } = yield* TestDatabase.freshLocalDatabase
      const run = yield* Effect.async<{ code: number | null; stderr: string }>((resume) => {
        const child = Child.execFile(
          Path.resolve(import.meta.dirname, "../../scripts/switchboard"),
          ["routes", "add", "--text-matches", "a(b", "--target", "x"],
          { env: { ...process.env, DATABASE_URL: url, SWITCHBOARD_LOG_LEVEL: "Error" } },
          (_error, _stdout, stderr) => resume(Effect.succeed({ code: child.exitCode, stderr }))
        )
      })
      assert.strictEqual(run.code, 1)
      assert.deepStrictEqual(run.stderr.trim().split("\n"), [
        "switchboard: RoutingInputInvalid: --text-matches is not a valid RE2 regular expression: " +
        "error parsing regexp: missing closing ): `a(b`"
      ])
    }).pipe(Effect.scoped))

  it.live("targets add takes the secret from an environment variable or standard input, keeping it out of argv", () =>
    Effect.gen(function*() {
      const { url } = yield* TestDatabase.freshLocalDatabase
      const secret = `whsec_${Buffer.alloc(32, 9).toString("base64")}`
      const script = Path.resolve(import.meta.dirname, "../../scripts/switchboard")
      const env = { ...process.env, DATABASE_URL: url, SWITCHBOARD_LOG_LEVEL: "Error", HOOK_SECRET: secret }
      const run = (args: ReadonlyArray<string>, input?: string) =>
        Effect.async<{ code: number | null; stdout: string; stderr: string }>((resume) => {
          const child = Child.execFile(script, [...args], { env }, (_error, stdout, stderr) =>
            resume(Effect.succeed({ code: child.exitCode, stdout, stderr })))
          if (input !== undefined) child.stdin?.end(input)
          else child.stdin?.end()
        })
      const fingerprint = (out: string) => /secret (\S+)\)/.exec(out)?.[1]
      const fromEnv = yield* run(["targets", "add", "env-target", "--url", "https://example.com/a", "--secret-env", "HOOK_SECRET"])
      assert.strictEqual(fromEnv.code, 0, fromEnv.stderr)
      const fromStdin = yield* run(["targets", "add", "stdin-target", "--url", "https://example.com/b", "--secret-stdin"], `${secret}\n`)
      assert.strictEqual(fromStdin.code, 0, fromStdin.stderr)
      // The same secret both ways, and never printed back.
      assert.strictEqual(fingerprint(fromEnv.stdout), fingerprint(fromStdin.stdout))
      assert.notInclude(fromEnv.stdout + fromStdin.stdout, secret)
      const missing = yield* run(["targets", "add", "x", "--url", "https://example.com/c", "--secret-env", "NO_SUCH_VAR"])
      assert.strictEqual(missing.code, 1)
      assert.include(missing.stderr, "--secret-env NO_SUCH_VAR: that environment variable is not set or empty")
      const both = yield* run(["targets", "add", "y", "--url", "https://example.com/d", "--secret-env", "HOOK_SECRET", "--secret-stdin"], secret)
      assert.strictEqual(both.code, 1)
      assert.include(both.stderr, "give the secret one way")
    }).pipe(Effect.scoped))
})
