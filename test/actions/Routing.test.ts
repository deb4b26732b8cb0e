import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Console, Effect, Layer, Option, Ref } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import { targetsCommand } from "../../src/cli/DeliveryCommands.js"
import { ActionDispatch } from "../../services/ActionDispatch.js"
import { DeliveryStore } from "../../services/DeliveryStore.js"
import { InboxStore } from "../../services/InboxStore.js"
import * as WebhookId from "../../src/delivery/WebhookId.js"
import * as S from "../delivery/support/Scenario.js"
import { fastDelivery } from "../delivery/support/TestOptions.js"
import * as Wait from "../delivery/support/Wait.js"
import * as AH from "./support/ActionsHub.js"

const runCli = Command.run(Command.make("switchboard").pipe(Command.withSubcommands([targetsCommand])), {
  name: "switchboard",
  version: "test"
})

/** Runs `switchboard targets …` in-process: what it printed, or the message it failed with. */
const cli = (...args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const lines = yield* Ref.make<ReadonlyArray<string>>([])
    const capture = yield* Console.consoleWith((c) =>
      Effect.succeed({ ...c, log: (...parts: ReadonlyArray<unknown>) => Ref.update(lines, (l) => [...l, parts.map(String).join(" ")]) })
    )
    const exit = yield* runCli(["node", "switchboard", "targets", ...args]).pipe(Effect.withConsole(capture), Effect.either)
    const error = exit._tag === "Left" && typeof exit.left === "object" && exit.left !== null && "message" in exit.left
      ? String(exit.left.message)
      : undefined
    return { out: (yield* Ref.get(lines)).join("\n"), error }
  })

const TestLayer = DeliveryWorker.layerWith(fastDelivery).pipe(Layer.provideMerge(AH.layer), Layer.provideMerge(NodeContext.layer))

layer(TestLayer, { excludeTestServices: true, timeout: 120_000 })("actions as routing targets", (it) => {
  it.effect("targets add --action checks the template and the owner", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const owner = yield* hub.mint({ plan: "pro" })
      const ingest = yield* hub.mint({ role: "ingest" })
      const bad = (template: string, ownerId = owner.id) => Effect.map(cli("add", "x", "--action", "slack.send", "--template", template, "--owner", ownerId), (r) => r.error)
      assert.match(String(yield* bad("{\"text\":")), /--template is not JSON/)
      assert.match(String(yield* bad("{\"text\":\"{{secret_field}}\"}")), /unknown fields: \{\{secret_field\}\}/)
      assert.match(String(yield* bad("{\"txt\":\"{{normalized_text}}\"}")), /does not make a valid slack\.send body: .*txt: is not allowed/)
      assert.match(String(yield* bad("{\"text\":\"{{normalized_text}}\"}", ingest.id)), /has role ingest/)
      assert.match(String(yield* bad("{\"text\":\"{{normalized_text}}\"}", "tk_000000000000")), /no such token/)
      const both = yield* cli("add", "x", "--action", "slack.send", "--url", "http://127.0.0.1:9/x", "--template", "{}", "--owner", owner.id)
      assert.match(String(both.error), /take no --url/)
      const neither = yield* cli("add", "x")
      assert.match(String(neither.error), /give --url .* or --action/)
    }))

  it.effect("a routed request reaches Slack through the outbox: template rendered, retried, owner's quota, webhook-id as key", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const owner = yield* hub.mint({ plan: "pro" })
      const added = yield* cli("add", "alerts", "--action", "slack.send", "--template", "{\"text\":\"{{normalized_text}} (via {{channel}})\"}", "--owner", owner.id)
      assert.isUndefined(added.error)
      assert.include(added.out, "added target alerts -> action:slack.send")
      assert.include((yield* cli("list")).out, "action:slack.send")
      yield* S.addRoute({ endpoint_identity: "route-slack", target: "alerts" })
      yield* S.refresh

      const id = yield* S.ingest(S.envelope("rs-1", { endpoint: "route-slack", text: "disk almost full" }))
      const state = yield* S.waitForState(id, "delivered")
      assert.strictEqual(S.outcomeOf(state, "alerts").attempts, 1)
      assert.deepStrictEqual(hub.fake.callsTo("slack").at(-1)!.body, { text: "disk almost full (via sandbox)" })

      // Slack failing for longer than one call's retries: the outbox retries later, same webhook-id.
      hub.fake.inject("slack", ...Array.from({ length: 4 }, () => ({ status: 503, body: "service_unavailable" })))
      const retried = yield* S.ingest(S.envelope("rs-2", { endpoint: "route-slack", text: "second" }))
      const after = yield* S.waitForState(retried, "delivered")
      assert.strictEqual(S.outcomeOf(after, "alerts").attempts, 2)

      // A delivery that runs again with its webhook-id (a crash before its outcome was recorded) is answered
      // from the first result: Slack is not called twice.
      const dispatch = yield* ActionDispatch
      const request = Option.getOrThrow(yield* Effect.orDie((yield* InboxStore).get(id)))
      const calls = hub.fake.callsTo("slack").length
      const again = yield* dispatch.attempt({
        request_id: id,
        target: "alerts",
        webhook_id: WebhookId.of(id, "alerts"),
        paused: false,
        attempts: 1,
        claim_token: "t",
        endpoint: null,
        request,
        action: { name: "slack.send", template: { text: "{{normalized_text}} (via {{channel}})" }, owner: owner.id }
      })
      assert.strictEqual(again._tag, "Delivered")
      assert.strictEqual(hub.fake.callsTo("slack").length, calls)

      yield* Wait.untilTrue(
        "the replayed delivery in the action log",
        Effect.sync(() => AH.readLog(hub.logPath).some((e) => e["caller"] === owner.id && e["status"] === "replayed"))
      )
    }))

  it.effect("a provider refusal is a dead letter; replay delivers it with the same webhook-id", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const owner = yield* hub.mint({ plan: "pro" })
      yield* cli("add", "mail", "--action", "email.send", "--owner", owner.id, "--template",
        "{\"to\":\"ops@example.com\",\"subject\":\"{{channel}}: new message\",\"text\":\"{{normalized_text}}\"}")
      yield* S.addRoute({ endpoint_identity: "route-mail", target: "mail" })
      yield* S.refresh
      hub.fake.inject("resend", { status: 403, body: { statusCode: 403, message: "API key is invalid", name: "invalid_api_key" } })
      const id = yield* S.ingest(S.envelope("rm-1", { endpoint: "route-mail", text: "hello ops" }))
      yield* S.waitForState(id, "dead_lettered")
      const store = yield* DeliveryStore
      const letter = (yield* store.listDeadLetters({ target: "mail", since: null }))[0]!
      assert.strictEqual(letter.last_error, "permanent failure: upstream_error: email refused the call: HTTP 403 invalid_api_key")
      assert.strictEqual(letter.last_status, 502)
      assert.strictEqual(yield* store.replay(letter.id), "replayed")
      yield* S.waitForState(id, "delivered")
      const sends = hub.fake.callsTo("resend").slice(-2)
      assert.strictEqual(sends[0]!.headers["idempotency-key"], sends[1]!.headers["idempotency-key"])
      assert.deepStrictEqual(hub.fake.emails.at(-1), {
        from: "Switchboard <hub@switchboard.test>",
        to: ["ops@example.com"],
        subject: "sandbox: new message",
        text: "hello ops"
      })
    }))

  it.effect("deliveries spend the owner's quota: a free owner's second delivery of the day waits, then dead-letters", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const owner = yield* hub.mint({ plan: "free" })
      yield* cli("add", "tg", "--action", "telegram.send", "--template", "{\"text\":\"{{normalized_text}}\"}", "--owner", owner.id)
      yield* S.addRoute({ endpoint_identity: "route-tg", target: "tg" })
      yield* S.refresh
      const first = yield* S.ingest(S.envelope("rt-1", { endpoint: "route-tg", text: "one" }))
      yield* S.waitForState(first, "delivered")
      const second = yield* S.ingest(S.envelope("rt-2", { endpoint: "route-tg", text: "two" }))
      const dead = yield* S.waitForState(second, "dead_lettered")
      const outcome = S.outcomeOf(dead, "tg")
      assert.strictEqual(outcome.attempts, fastDelivery.retry.maxAttempts)
      assert.include(String(outcome.last_error), "rate_limited: Free plan: 1 telegram call/day")
    }))
})
