import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as Cors from "../../src/actions/Cors.js"
import { field, request } from "../support/Http.js"
import * as AH from "./support/ActionsHub.js"

const ALLOWED = "https://app.example.com"

describe("the CORS decision", () => {
  it("echoes an allowed origin with credentials, answers * without them, and refuses the rest", () => {
    const explicit = { origins: new Set([ALLOWED]), any: false }
    const allowed = Cors.decide(explicit, ALLOWED, "hub.local:7400")
    assert.strictEqual(allowed._tag, "Allow")
    assert.deepInclude(allowed._tag === "Allow" ? allowed.headers : {}, {
      "access-control-allow-origin": ALLOWED,
      "access-control-allow-credentials": "true"
    })
    assert.strictEqual(Cors.decide(explicit, "https://evil.example", "hub.local:7400")._tag, "Refuse")
    assert.strictEqual(Cors.decide(explicit, undefined, "hub.local:7400")._tag, "None")
    assert.strictEqual(Cors.decide(explicit, "http://hub.local:7400", "hub.local:7400")._tag, "None", "same origin")
    const wildcard = Cors.decide({ origins: new Set(), any: true }, "https://anyone.example", "hub.local:7400")
    assert.strictEqual(wildcard._tag === "Allow" ? wildcard.headers["access-control-allow-origin"] : "", "*")
    assert.isUndefined(wildcard._tag === "Allow" ? wildcard.headers["access-control-allow-credentials"] : "x")
    assert.strictEqual(Cors.decide({ origins: new Set(), any: false }, ALLOWED, "h")._tag, "Refuse", "none by default")
  })
})

layer(AH.layerWith({ ALLOWED_ORIGINS: `${ALLOWED}, https://second.example.com` }), { excludeTestServices: true, timeout: 120_000 })(
  "CORS on /actions/* from ALLOWED_ORIGINS",
  (it) => {
    it.effect("answers the preflight of an allowed origin, and refuses another origin before anything is sent", () =>
      Effect.gen(function*() {
        const hub = yield* AH.ActionsHub
        const { token } = yield* hub.mint({ plan: "pro" })
        const preflight = yield* request(`${hub.url}/actions/slack.send`, {
          method: "OPTIONS",
          headers: { origin: ALLOWED, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" }
        })
        assert.strictEqual(preflight.status, 204)
        assert.strictEqual(preflight.headers.get("access-control-allow-origin"), ALLOWED)
        assert.include(String(preflight.headers.get("access-control-allow-headers")), "authorization")
        assert.include(String(preflight.headers.get("access-control-allow-methods")), "POST")

        const sent = yield* request(`${hub.url}/actions/slack.send`, {
          method: "POST",
          headers: { origin: ALLOWED, authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ text: "from the browser" })
        })
        assert.strictEqual(sent.status, 200)
        assert.strictEqual(sent.headers.get("access-control-allow-origin"), ALLOWED)
        assert.strictEqual(sent.headers.get("vary"), "Origin")

        const before = hub.fake.callsTo("slack").length
        const evil = yield* request(`${hub.url}/actions/slack.send`, {
          method: "POST",
          headers: { origin: "https://evil.example", authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ text: "from elsewhere" })
        })
        assert.strictEqual(evil.status, 403)
        assert.strictEqual(field(evil.body, "error"), "origin_not_allowed")
        assert.isNull(evil.headers.get("access-control-allow-origin"))
        assert.strictEqual(hub.fake.callsTo("slack").length, before)
        const evilPreflight = yield* request(`${hub.url}/actions/email.send`, {
          method: "OPTIONS",
          headers: { origin: "https://evil.example", "access-control-request-method": "POST" }
        })
        assert.strictEqual(evilPreflight.status, 403)
        assert.isNull(evilPreflight.headers.get("access-control-allow-origin"))
        // Other routes are not affected.
        const health = yield* request(`${hub.url}/health`, { headers: { origin: ALLOWED } })
        assert.isNull(health.headers.get("access-control-allow-origin"))
      }))
  }
)
