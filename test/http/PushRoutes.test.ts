/**
 * One registration for push endpoints: whatever a definition's source face declares is served over the
 * hub's HTTP server (src/http/PushRoutes.ts), with no route of its own in Server.ts.
 */
import { type HttpLayerRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Config, Effect, Exit, Layer, Option } from "effect"
import * as MemoryPushReceivers from "../../layers/PushReceivers/MemoryPushReceivers.js"
import * as SandboxConnector from "../../src/connectors/sandbox/SandboxConnector.js"
import * as HttpHub from "../../src/http/Server.js"
import * as PushRoutes from "../../src/http/PushRoutes.js"
import { defineConnector, type PushEndpoint } from "../../services/ConnectorDefinition.js"
import { PushReceivers } from "../../services/PushReceivers.js"
import { field, postJson, request } from "../support/Http.js"

/** A webhook that takes `{n}` with `x-echo-secret: s3cret` and hands it to the receiver of its endpoint. */
const hook: PushEndpoint = {
  path: "/echo/:endpoint/hook",
  handler: Effect.map(PushReceivers, (receivers) => (request, endpoint) =>
    Effect.gen(function*() {
      if (request.headers["x-echo-secret"] !== "s3cret") {
        return HttpServerResponse.unsafeJson({ _tag: "Unauthorized", message: "wrong x-echo-secret" }, { status: 401 })
      }
      const receive = yield* receivers.lookup("echo", endpoint)
      if (Option.isNone(receive)) {
        return HttpServerResponse.unsafeJson({ _tag: "Unavailable", message: `no echo for "${endpoint}"` }, { status: 503 })
      }
      const body = yield* Effect.orDie(request.json)
      yield* Effect.orDie(receive.value(body))
      return HttpServerResponse.unsafeJson({ ok: true, endpoint }, { status: 202 })
    }))
}

const echo = defineConnector({
  id: "echo",
  description: "a test-only source whose updates are pushed",
  config: { variables: [], settings: Config.succeed(undefined) },
  source: { channel: "sandbox", provider: "sandbox", layer: SandboxConnector.layer, push: [hook] }
})

const urlOf = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "unix")

const served = <E>(routes: Layer.Layer<never, E, PushReceivers | HttpLayerRouter.HttpRouter>) =>
  Layer.build(HttpHub.serve(routes, { host: "127.0.0.1", port: 0 }).pipe(Layer.provideMerge(MemoryPushReceivers.layer)))

describe("push endpoints from definitions", () => {
  it.live("a definition's declared webhook is served and reaches the receiver its hosted source registered", () =>
    Effect.scoped(Effect.gen(function*() {
      const context = yield* served(PushRoutes.layerFor([echo]))
      const url = yield* Effect.provide(urlOf, context)
      const receivers = yield* Effect.provide(PushReceivers, context)
      const got: Array<unknown> = []
      yield* receivers.register("echo", "bot-1", (update) => Effect.sync(() => void got.push(update)))

      const refused = yield* postJson(`${url}/echo/bot-1/hook`, undefined, { n: 1 })
      assert.strictEqual(refused.status, 401)
      const headers = { "content-type": "application/json", "x-echo-secret": "s3cret" }
      const accepted = yield* request(`${url}/echo/bot-1/hook`, { method: "POST", headers, body: JSON.stringify({ n: 2 }) })
      assert.deepStrictEqual([accepted.status, accepted.body], [202, { ok: true, endpoint: "bot-1" }])
      assert.deepStrictEqual(got, [{ n: 2 }])
      const nobody = yield* request(`${url}/echo/bot-2/hook`, { method: "POST", headers, body: "{}" })
      assert.deepStrictEqual([nobody.status, field(nobody.body, "_tag")], [503, "Unavailable"])
      const other = yield* request(`${url}/telegram/bot-1/webhook`, { method: "POST", headers, body: "{}" })
      assert.strictEqual(other.status, 404, "only the declared endpoints are served")
    })))

  it.live("the built-in definitions' Telegram webhook and Gmail push are served by the same registration", () =>
    Effect.scoped(Effect.gen(function*() {
      const context = yield* served(PushRoutes.layer)
      const url = yield* Effect.provide(urlOf, context)
      const telegram = yield* postJson(`${url}/telegram/support_bot/webhook`, undefined, {})
      assert.deepStrictEqual([telegram.status, field(telegram.body, "message")], [401, "missing X-Telegram-Bot-Api-Secret-Token header"])
      const gmail = yield* postJson(`${url}/gmail/not-a-mailbox/push`, undefined, {})
      assert.deepStrictEqual([gmail.status, field(gmail.body, "_tag")], [404, "NotFound"])
      assert.include(field(gmail.body, "message"), "is not gmail:user:<address>")
    })))

  it.live("two definitions that claim one path, or a path without :endpoint, do not build", () =>
    Effect.gen(function*() {
      const twice = defineConnector({ ...echo, id: "echo2" })
      assert.strictEqual(PushRoutes.problemOf([echo, twice]), "push path declared twice: /echo/:endpoint/hook")
      const unnamed = defineConnector({ ...echo, source: { ...echo.source, push: [{ ...hook, path: "/echo/hook" }] } })
      assert.strictEqual(PushRoutes.problemOf([unnamed]), "push path without an :endpoint segment: /echo/hook")
      assert.isUndefined(PushRoutes.problemOf([echo]))
      const exit = yield* Effect.exit(Effect.scoped(served(PushRoutes.layerFor([echo, twice]))))
      assert.isTrue(Exit.isFailure(exit))
    }))
})
