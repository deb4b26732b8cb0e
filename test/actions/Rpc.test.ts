import { assert, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as ActionsClientLayer from "../../src/actions/Client.js"
import { ActionsClient } from "../../src/actions/Client.js"
import * as AH from "./support/ActionsHub.js"

const withClient = <A, E>(token: string, use: (client: ActionsClient["Type"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(AH.ActionsHub, (hub) =>
    Effect.flatMap(ActionsClient, use).pipe(
      Effect.provide(ActionsClientLayer.layer({ url: hub.url, token: Redacted.make(token) }))
    ))

layer(AH.layer, { excludeTestServices: true, timeout: 120_000 })("the Actions RPC group", (it) => {
  it.effect("ActionSend, ActionUsage and ActionHealth run the same use case as REST, with typed errors", () =>
    Effect.gen(function*() {
      const hub = yield* AH.ActionsHub
      const { id, token } = yield* hub.mint({ plan: "free" })
      yield* withClient(token, (client) =>
        Effect.gen(function*() {
          const sent = yield* client.ActionSend({ action: "slack.send", body: { text: "over rpc" } })
          assert.deepStrictEqual(sent, { answer: { status: "sent" }, replayed: false })
          const limited = yield* Effect.flip(client.ActionSend({ action: "slack.send", body: { text: "again" } }))
          assert.strictEqual(limited._tag, "ActionRateLimited")
          const invalid = yield* Effect.flip(client.ActionSend({ action: "email.send", body: { to: 1 } }))
          assert.strictEqual(invalid._tag, "ValidationError")
          const unknown = yield* Effect.flip(client.ActionSend({ action: "fax.send", body: {} }))
          assert.strictEqual(unknown._tag, "ValidationError")
          const keyed = yield* client.ActionSend({ action: "telegram.send", body: { text: "once" }, idempotency_key: "rpc-1" })
          const repeat = yield* client.ActionSend({ action: "telegram.send", body: { text: "once" }, idempotency_key: "rpc-1" })
          assert.deepStrictEqual([keyed.replayed, repeat.replayed], [false, true])
          const usage = yield* client.ActionUsage()
          assert.strictEqual(usage.caller, id)
          assert.strictEqual(usage.actions.find((a) => a.action === "slack.send")?.today, 1)
          const health = yield* client.ActionHealth()
          assert.strictEqual(health.configured, 5)
        }))
      const ingest = yield* hub.mint({ role: "ingest" })
      const forbidden = yield* withClient(ingest.token, (client) => Effect.flip(client.ActionSend({ action: "slack.send", body: { text: "x" } })))
      assert.strictEqual(forbidden._tag, "Forbidden")
      const refused = yield* withClient("sw_test_wrongwrongwrongwrongwrongwrongwrongwrongwro", (client) => Effect.flip(client.ActionHealth()))
      assert.strictEqual(refused._tag, "Unauthorized")
    }))
})
