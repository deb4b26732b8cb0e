/** `switchboard actions …` and `token create --plan` as a user runs them, against a running test hub. */
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Migrations from "../../layers/Database/Migrations.js"
import * as Cli from "../support/Cli.js"
import * as TestDatabase from "../support/TestDatabase.js"
import * as AH from "./support/ActionsHub.js"
import * as Fake from "./support/FakeProviders.js"

class Target extends Context.Tag("test/Target")<Target, TestDatabase.Target>() {}
const TargetLive = Layer.scoped(Target, TestDatabase.freshTarget)
const Database = Layer.provideMerge(Migrations.layer, Layer.unwrapEffect(Effect.map(Target, (t) => TestDatabase.servicesFor(t))))
const Env = AH.layerOver(Database, { NOTION_API_KEY: "" }).pipe(Layer.provideMerge(TargetLive), Layer.merge(NodeContext.layer))

layer(Env, { excludeTestServices: true, timeout: 180_000 })("actions CLI", (it) => {
  it.effect("token create --role actions --plan pro, then health, send, usage and smoke through the hub", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const t = yield* Target
      const created = yield* Cli.run(
        ["token", "create", "--channel", "*", "--provider", "*", "--endpoint", "*", "--role", "actions", "--plan", "pro", "--json"],
        { DATABASE_URL: `postgres://postgres@${t.host}:${t.port}/${t.database}`, SWITCHBOARD_LOG_LEVEL: "warn" }
      )
      assert.strictEqual(created.exitCode, 0, created.stderr)
      const record = JSON.parse(created.stdout) as { token: string; plan: string; role: string }
      assert.deepStrictEqual([record.role, record.plan], ["actions", "pro"])
      const free = yield* hub.mint({ plan: "free" })

      const env = (token: string) => ({ SWITCHBOARD_URL: hub.url, SWITCHBOARD_API_TOKEN: token, SWITCHBOARD_LOG_LEVEL: "warn" })
      const health = yield* Cli.run(["actions", "health"], { SWITCHBOARD_URL: hub.url })
      assert.strictEqual(health.exitCode, 0, health.stderr)
      assert.match(health.stdout, /notion\s+no/)
      assert.include(health.stdout, "4 of 5 configured")

      const sent = yield* Cli.run(["actions", "send", "slack.send", "--json", "{\"text\":\"from the cli\"}"], env(free.token))
      assert.strictEqual(sent.exitCode, 0, sent.stderr)
      assert.deepStrictEqual(JSON.parse(sent.stdout), { status: "sent" })
      const limited = yield* Cli.run(["actions", "send", "slack.send", "--json", "{\"text\":\"again\"}"], env(free.token))
      assert.strictEqual(limited.exitCode, 1)
      assert.include(limited.stderr, "ActionRateLimited: Free plan: 1 slack call/day. Upgrade for unlimited.")
      const badJson = yield* Cli.run(["actions", "send", "slack.send", "--json", "{text"], env(free.token))
      assert.strictEqual(badJson.exitCode, 1)
      assert.include(badJson.stderr, "--json must be a JSON document")

      const usage = yield* Cli.run(["actions", "usage", "--json"], env(free.token))
      assert.strictEqual(usage.exitCode, 0, usage.stderr)
      const slack = (JSON.parse(usage.stdout) as { actions: ReadonlyArray<{ action: string; today: number }> }).actions
        .find((a) => a.action === "slack.send")
      assert.strictEqual(slack?.today, 1)

      const out = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-smoke-")), "evidence.json")
      const smoke = yield* Cli.run(["actions", "smoke", "--out", out, "--email-to", "smoke.recipient@example.com"], env(record.token))
      assert.strictEqual(smoke.exitCode, 0, smoke.stderr)
      const evidence = JSON.parse(Fs.readFileSync(out, "utf8")) as { results: ReadonlyArray<{ action: string; status: string; ms?: number }> }
      assert.deepStrictEqual(evidence.results.map((r) => [r.action, r.status]), [
        ["slack.send", "ok"],
        ["notion.create", "skipped"],
        ["sheets.append", "ok"],
        ["telegram.send", "ok"],
        ["email.send", "ok"]
      ])
      assert.isNumber(evidence.results[0]!.ms)
      const everything = [Fs.readFileSync(out, "utf8"), smoke.stdout, smoke.stderr, sent.stdout, sent.stderr, usage.stdout, limited.stderr].join("\n")
      for (const secret of [record.token, free.token, Fake.RESEND_KEY, Fake.TELEGRAM_TOKEN, Fake.SLACK_PATH.split("/").at(-1)!, "smoke.recipient"]) {
        assert.notInclude(everything, secret)
      }
    }), 300_000) // five CLI processes, each paying tsx's start-up (seconds on a busy machine)
})
