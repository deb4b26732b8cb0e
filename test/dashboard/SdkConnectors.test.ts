/**
 * The "SDK connectors" panel of the /connectors page in real Chromium: every registered connector with
 * its circuit breaker. The hub opens a breaker after one failure (CONNECTOR_BREAKER_THRESHOLD=1, a long
 * cool-down) and its sandbox fails every resource operation (SANDBOX_ERROR_RATE=1).
 */
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { Page } from "playwright-core"
import { postJson } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import * as Browser from "./support/Browser.js"
import * as View from "./support/View.js"

const settings = new Map([
  ["CONNECTOR_BREAKER_THRESHOLD", "1"],
  ["CONNECTOR_BREAKER_COOLDOWN_S", "3600"],
  ["SANDBOX_ERROR_RATE", "1"]
])

const Hub = TestHub.layer.pipe(
  Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(settings).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))))
)

const ARTIFACTS = Path.resolve(import.meta.dirname, "../artifacts")
const BUILTINS = ["gmail", "outlook", "sandbox", "telegram"]

/** Opens the page with a token and waits until it has rendered; collects console and page errors. */
const open = (page: Page, url: string, token: string) =>
  Effect.gen(function*() {
    const problems: Array<string> = []
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`))
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`))
    yield* Browser.step("install clock", () => page.clock.install({ time: Date.now() }))
    yield* Browser.step("open page", () => page.goto(`${url}/connectors#token=${encodeURIComponent(token)}`))
    yield* View.waitState(page, "ready").pipe(View.explainFailure(page, problems))
    return problems
  })

layer(Hub, { excludeTestServices: true, timeout: 120_000 })("the SDK connectors panel", (it) => {
  it.scoped("lists the built-ins as never called, then shows the sandbox breaker open and degraded after the next refresh", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const viewer = yield* hub.mintToken({ role: "viewer" })
      const operator = yield* hub.mintToken({ role: "operator" })
      const ctx = yield* Browser.context({ width: 1366, height: 768 })
      const page = yield* Browser.step("new page", () => ctx.newPage())
      const problems = yield* open(page, hub.url, viewer.token)

      const before = yield* View.sdkRows(page)
      for (const id of BUILTINS) {
        const row = before.find((r) => r.id === id)
        assert.isDefined(row, `${id} is listed`)
        assert.strictEqual(row?.status, "enabled", id)
        assert.include(row?.faces ?? "", "built-in", id)
        assert.strictEqual(row?.breaker, "closed", id)
        assert.isFalse(row?.degraded, id)
        assert.include(row?.text ?? "", "closed / ok · no calls yet", id)
      }
      assert.include(before.find((r) => r.id === "sandbox")?.faces ?? "", "resources")
      const calmBackground = before.find((r) => r.id === "sandbox")?.background ?? ""

      const failed = yield* postJson(`${hub.url}/sdk/connectors/sandbox/resources/items`, operator.token, { id: "breaker-1" })
      assert.isAtLeast(failed.status, 500, "the sandbox fails the call")
      const fast = yield* postJson(`${hub.url}/sdk/connectors/sandbox/resources/items`, operator.token, { id: "breaker-2" })
      assert.strictEqual(fast.status, 503, "the open breaker fails fast")

      const refreshed = Browser.step("the next refresh", () =>
        page.waitForRequest((r) => new URL(r.url()).pathname === "/sdk/connectors/health", { timeout: 10_000 }))
      yield* Effect.zip(refreshed, Browser.step("let 15 s pass", () => page.clock.runFor(15_000)), { concurrent: true })
      yield* View.waitSelector(page, `#sdk-table tr[data-connector-id="sandbox"].sdk-degraded`)
      yield* View.waitState(page, "ready")

      const after = yield* View.sdkRows(page)
      const sandbox = after.find((r) => r.id === "sandbox")
      assert.strictEqual(sandbox?.breaker, "open")
      assert.strictEqual(sandbox?.health, "degraded")
      assert.isTrue(sandbox?.degraded)
      assert.match(sandbox?.text ?? "", /^open \/ degraded · \d+ consecutive failures?$/)
      assert.notStrictEqual(sandbox?.background, calmBackground, "a degraded row looks different")
      for (const id of BUILTINS.filter((x) => x !== "sandbox")) {
        assert.strictEqual(after.find((r) => r.id === id)?.breaker, "closed", id)
      }
      Fs.mkdirSync(ARTIFACTS, { recursive: true })
      yield* Browser.step("screenshot the panel", () =>
        page.locator("#sdk-connectors").screenshot({ path: Path.join(ARTIFACTS, "connectors-sdk.png") }))
      assert.deepStrictEqual(problems, [], "no console errors or page errors")
    }))

  it.scoped("shows registry text as text, and a 403 for the panel as a message while the page stays ready", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const ctx = yield* Browser.context({ width: 1366, height: 768 })
      const page = yield* Browser.step("new page", () => ctx.newPage())
      const hostile = `<img src=x onerror="document.body.dataset.pwned=1">`
      yield* Browser.step("serve a hostile registry", () =>
        page.route("**/sdk/connectors", (route) =>
          route.fulfill({
            status: 200,
            contentType: "application/json",
            body: JSON.stringify({
              connectors: [{ connector_id: hostile, module: "builtin:constructor", class_name: hostile, enabled: false }]
            })
          })))
      yield* open(page, hub.url, hub.token)
      const rows = yield* View.sdkRows(page)
      const shown = rows.find((r) => r.status === "disabled")
      assert.strictEqual(shown?.id, hostile, "the id is shown as text")
      assert.strictEqual(shown?.faces, "built-in", "a module name is looked up in the built-ins' own list only")
      assert.strictEqual(yield* View.text(page, "#sdk-table tbody tr:first-child th"), hostile)
      assert.strictEqual(yield* View.evaluate<number>(page, `document.querySelectorAll("#sdk-connectors img").length`), 0)
      assert.isNull(yield* View.evaluate<string | null>(page, "document.body.dataset.pwned ?? null"))

      yield* Browser.step("deny the health route", () =>
        page.route("**/sdk/connectors/health", (route) =>
          route.fulfill({
            status: 403,
            contentType: "application/json",
            body: JSON.stringify({ _tag: "RoleDenied", message: "role ingest may not list connectors" })
          })))
      yield* Browser.step("refresh now", () => page.click("#refresh-now"))
      yield* View.waitText(page, "#sdk-connectors", "may not read the SDK connector registry")
      yield* View.waitState(page, "ready")
      assert.include(yield* View.text(page, "#sdk-connectors"), "role ingest may not list connectors")
      assert.isFalse(yield* View.visible(page, "#banner"), "the rest of the page is not affected")
      assert.isFalse(yield* View.visible(page, "#token-panel"))
    }))
})
