/** The hub's connector API on a real socket: statuses and bodies for every kind of answer. */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { field, postJson, request } from "../support/Http.js"
import { SdkHub, layer as SdkHubLayer } from "./RegistryTestHub.js"

layer(SdkHubLayer, { excludeTestServices: true, timeout: 120_000 })("connector API over HTTP", (it) => {
  const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
    Effect.flatMap(SdkHub, (hub) =>
      request(`${hub.url}/sdk/connectors${path}`, {
        method,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { "content-type": "application/json" })
        },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
      }))

  it.effect("401 before the body, 403 with required and actual, 400 naming paths, 404, 409 for a disabled connector", () =>
    Effect.gen(function*() {
      const hub = yield* SdkHub
      const admin = yield* hub.mint({ role: "admin" })
      const viewer = yield* hub.mint({ role: "viewer" })
      const operator = yield* hub.mint({ role: "operator" })

      const anonymous = yield* postJson(`${hub.url}/sdk/connectors`, undefined, "{not json")
      assert.strictEqual(anonymous.status, 401, "the token is checked before the (malformed) body is read")
      assert.strictEqual(field(anonymous.body, "_tag"), "Unauthorized")

      // Bodies nested thousands deep are a 400 naming the depth, never a stack overflow (500).
      const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`
      for (const [method, path, body] of [
        ["POST", "", `{"connector_id":"x","module":"./x.ts","class_name":"default","scopes":${deep}}`],
        ["POST", "/sandbox/resources/items", `{"id":"d1","d":${deep}}`],
        ["POST", "/import", `{"connector_id":"x","scopes":${"[".repeat(2000)}${"]".repeat(2000)}}`]
      ] as const) {
        const answer = yield* call(method, path, admin.token, body)
        assert.strictEqual(answer.status, 400, `${method} ${path}: ${JSON.stringify(answer.body)}`)
        assert.include(String(field(answer.body, "message")), "deeper than")
      }

      const listed = yield* call("GET", "", viewer.token)
      assert.strictEqual(listed.status, 200)
      assert.include(JSON.stringify(listed.body), "builtin:sandbox")

      const denied = yield* call("POST", "", viewer.token, "{not json")
      assert.strictEqual(denied.status, 403, "the role is checked before the body is read")
      assert.deepInclude(denied.body, { _tag: "RoleDenied", required: "admin", actual: "viewer" })

      const bad = yield* call("POST", "", admin.token, { connector_id: "Bad Id", module: "./m.ts", class_name: "default", extra: 1 })
      assert.strictEqual(bad.status, 400)
      assert.deepInclude(bad.body, { _tag: "ResourceInvalid" })
      assert.include(JSON.stringify(field(bad.body, "issues")), "extra")
      const badId = yield* call("POST", "", admin.token, { connector_id: "Bad Id", module: "./m.ts", class_name: "default" })
      assert.deepStrictEqual((field(badId.body, "issues") as ReadonlyArray<{ path: string }>).map((i) => i.path), ["connector_id"])

      const created = yield* call("POST", "", admin.token, { connector_id: "http-crm", module: "./nowhere.ts", class_name: "default" })
      assert.strictEqual(created.status, 201)
      assert.deepInclude(created.body, { connector_id: "http-crm", enabled: true, auth_type: "env", scopes: [] })

      assert.strictEqual((yield* call("POST", "/ghost/enable", admin.token)).status, 404)
      const history = yield* call("GET", "/http-crm/history", viewer.token)
      assert.strictEqual(history.status, 403, "history is for auditors")

      yield* call("POST", "/sandbox/disable", admin.token)
      const disabled = yield* call("POST", "/sandbox/resources/items", operator.token, { id: "x1" })
      assert.strictEqual(disabled.status, 409)
      assert.strictEqual(field(disabled.body, "_tag"), "ConnectorDisabled")
      yield* call("POST", "/sandbox/enable", admin.token)

      const broken = yield* call("GET", "/http-crm/resources/items", operator.token)
      assert.strictEqual(broken.status, 500, "a registered module that does not load is the hub's fault")
      assert.include(String(field(broken.body, "message")), "cannot import the module")
    }))

  it.effect("resource routes: create 201, get, list with filters and pages, patch, delete, 404 after, tenant-scoped", () =>
    Effect.gen(function*() {
      const hub = yield* SdkHub
      const acme = yield* hub.mint({ role: "operator", tenant: "acme" })
      const globex = yield* hub.mint({ role: "operator", tenant: "globex" })
      const viewer = yield* hub.mint({ role: "viewer", tenant: "acme" })
      for (const id of ["a1", "a2", "a3"]) {
        const made = yield* call("POST", "/sandbox/resources/notes", acme.token, { id, folder: id === "a2" ? "archive" : "inbox" })
        assert.strictEqual(made.status, 201, JSON.stringify(made.body))
      }
      assert.strictEqual((yield* call("POST", "/sandbox/resources/notes", acme.token, { id: "a1" })).status, 409)
      assert.strictEqual((yield* call("POST", "/sandbox/resources/notes", viewer.token, { id: "v1" })).status, 403)
      assert.strictEqual((yield* call("POST", "/sandbox/resources/notes", acme.token, "[1]")).status, 400)

      const inbox = yield* call("GET", "/sandbox/resources/notes?folder=inbox&limit=1", acme.token)
      assert.deepStrictEqual((field(inbox.body, "items") as ReadonlyArray<{ id: string }>).map((r) => r.id), ["a1"])
      const token = String(field(inbox.body, "next_page_token"))
      const next = yield* call("GET", `/sandbox/resources/notes?folder=inbox&limit=1&page_token=${encodeURIComponent(token)}`, acme.token)
      assert.deepStrictEqual((field(next.body, "items") as ReadonlyArray<{ id: string }>).map((r) => r.id), ["a3"])
      const typed = yield* call("GET", `/sandbox/resources/notes?filter=${encodeURIComponent(JSON.stringify({ folder: "archive" }))}`, acme.token)
      assert.deepStrictEqual((field(typed.body, "items") as ReadonlyArray<{ id: string }>).map((r) => r.id), ["a2"])
      assert.strictEqual((yield* call("GET", "/sandbox/resources/notes?limit=lots", acme.token)).status, 400)

      const patched = yield* call("PATCH", "/sandbox/resources/notes/a1", acme.token, { folder: "done" })
      assert.strictEqual(patched.status, 200)
      assert.deepInclude(field(patched.body, "resource"), { id: "a1", folder: "done" })
      assert.strictEqual((yield* call("GET", "/sandbox/resources/notes/a1", globex.token)).status, 404, "another tenant sees nothing")
      assert.deepStrictEqual((field((yield* call("GET", "/sandbox/resources/notes", globex.token)).body, "items")), [])
      assert.strictEqual((yield* call("DELETE", "/sandbox/resources/notes/a1", acme.token)).status, 200)
      const gone = yield* call("GET", "/sandbox/resources/notes/a1", acme.token)
      assert.strictEqual(gone.status, 404)
      assert.strictEqual(field(gone.body, "_tag"), "ResourceNotFound")

      // The connector answered (not-found counts as working): its breaker is closed and its health ok.
      const health = yield* call("GET", "/health", viewer.token)
      assert.strictEqual(health.status, 200)
      assert.deepInclude(field(health.body, "connectors") as ReadonlyArray<unknown>, {
        connector_id: "sandbox",
        health: "ok",
        breaker: "closed",
        consecutive_failures: 0
      })
      assert.strictEqual((yield* call("GET", "/health", undefined)).status, 401)
    }))
})
