/** The /connectors page on a hub nobody has reported to yet: every section says so in words. */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as TestHub from "../support/TestHub.js"
import * as Browser from "./support/Browser.js"
import * as View from "./support/View.js"

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("the /connectors page on an empty hub", (it) => {
  it.scoped("explains every empty section instead of showing blank space", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const reader = yield* hub.mintToken({ role: "read" })
      const ctx = yield* Browser.context({ width: 1366, height: 768 })
      const page = yield* Browser.step("new page", () => ctx.newPage())
      const problems: Array<string> = []
      page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`))
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`))
      yield* Browser.step("open page", () => page.goto(`${hub.url}/connectors#token=${reader.token}`))
      yield* View.waitState(page, "ready").pipe(View.explainFailure(page, problems))

      assert.include(yield* View.text(page, "#cards"), "No connectors have reported yet")
      assert.include(yield* View.text(page, "#charts"), "nothing to chart")
      assert.include(yield* View.text(page, "#fanout"), "Nothing has been routed")
      assert.include(yield* View.text(page, "#errors"), "No errors")
      assert.strictEqual(yield* View.text(page, "#summary .stat:first-child dd"), "0")
      assert.isFalse(yield* View.visible(page, "#banner"))
      assert.match(yield* View.text(page, "#updated"), /^Updated \d\d:\d\d:\d\d UTC/)
      assert.deepStrictEqual(problems, [])
    }))
})
