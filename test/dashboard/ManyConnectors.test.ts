/**
 * The /connectors page on a hub with more connectors than one page of GET /api/connectors holds: it
 * follows meta.next_cursor and shows every connector once (real hub, real socket, headless Chromium).
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import type { Request } from "playwright-core"
import * as GenerateHistory from "../../src/stats/GenerateHistory.js"
import { MAX_LIST_LIMIT } from "../../src/stats/Paging.js"
import * as TestHub from "../support/TestHub.js"
import * as FrozenClock from "../stats/support/FrozenClock.js"
import * as Browser from "./support/Browser.js"
import * as View from "./support/View.js"

const NOW = Date.parse("2026-11-22T10:30:00Z")
const HEARTBEATING = 3
const NEVER_SEEN = MAX_LIST_LIMIT + 100

const Hub = Layer.effectDiscard(
  Effect.flatMap(SqlClient.SqlClient, () =>
    GenerateHistory.generate({ connectors: HEARTBEATING, days: 1, end: new Date(NOW), rollups: true, neverSeen: NEVER_SEEN }))
).pipe(Layer.provideMerge(TestHub.layer), Layer.provide(FrozenClock.make(NOW).layer))

layer(Hub, { excludeTestServices: true, timeout: 120_000 })("the /connectors page with more connectors than one page", (it) => {
  it.scoped("follows the list's cursor and shows every connector exactly once", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const ctx = yield* Browser.context({ width: 1366, height: 768 })
      const page = yield* Browser.step("new page", () => ctx.newPage())
      const requests: Array<Request> = []
      const problems: Array<string> = []
      page.on("request", (r) => requests.push(r))
      page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`))
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`))
      yield* Browser.step("install clock", () => page.clock.install({ time: NOW }))
      yield* Browser.step("open page", () => page.goto(`${hub.url}/connectors#token=${encodeURIComponent(hub.token)}`))
      yield* View.waitState(page, "ready").pipe(View.explainFailure(page, problems))

      const cards = yield* View.cards(page)
      assert.strictEqual(cards.length, HEARTBEATING + NEVER_SEEN)
      assert.strictEqual(new Set(cards.map((c) => c.key)).size, cards.length, "no connector is shown twice")
      const listCalls = requests.map((r) => new URL(r.url())).filter((u) => u.pathname === "/api/connectors")
      assert.deepStrictEqual(listCalls.map((u) => u.searchParams.has("cursor")), [false, true])
      assert.deepStrictEqual(problems, [])
    }))
})
