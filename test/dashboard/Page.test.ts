/**
 * The /connectors page end to end: a real hub (frozen clock, generated history) on a real socket,
 * driven by headless Chromium. Every number on the page is checked against the API's own answer.
 */
import { assert, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { Page, Request } from "playwright-core"
import { ConnectorListResponse, ConnectorStatsResponse, ErrorsResponse, FanoutResponse } from "../../src/domain/StatsApi.js"
import * as GenerateHistory from "../../src/stats/GenerateHistory.js"
import { request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import { getAs } from "../stats/support/Api.js"
import * as FrozenClock from "../stats/support/FrozenClock.js"
import * as Browser from "./support/Browser.js"
import * as View from "./support/View.js"

/** The hub's "now": mid-hour on a fixed day, so nothing depends on today's date. */
const NOW = Date.parse("2026-11-22T10:30:00Z")
const TARGETS = ["archive", "crm-webhook", "notion-inbox"]
const ARTIFACTS = Path.resolve(import.meta.dirname, "../artifacts")

const Hub = Layer.effectDiscard(
  Effect.flatMap(SqlClient.SqlClient, () =>
    GenerateHistory.generate({
      connectors: 10,
      days: 4,
      end: new Date(NOW),
      rollups: true,
      messagesPerDay: 6,
      targets: TARGETS,
      neverSeen: 1
    }))
).pipe(Layer.provideMerge(TestHub.layer), Layer.provide(FrozenClock.make(NOW).layer))

const en = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })

/** Opens the page with the token in the fragment, records every request, and waits until it has rendered. */
const openWithToken = (page: Page, url: string, token: string) =>
  Effect.gen(function*() {
    const requests: Array<Request> = []
    const problems: Array<string> = []
    page.on("request", (r) => requests.push(r))
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`))
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`))
    yield* Browser.step("install clock", () => page.clock.install({ time: NOW }))
    yield* Browser.step("open page", () => page.goto(`${url}/connectors#token=${encodeURIComponent(token)}`))
    yield* View.waitState(page, "ready").pipe(View.explainFailure(page, problems))
    return { requests, problems }
  })

layer(Hub, { excludeTestServices: true, timeout: 120_000 })("the /connectors page", (it) => {
  it.effect("serves the page and its assets with a strict CSP; an unknown asset is a 404 naming it", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const page = yield* request(`${hub.url}/connectors`)
      assert.strictEqual(page.status, 200)
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/)
      assert.include(page.headers.get("content-security-policy") ?? "", "script-src 'self'")
      assert.include(String(page.body), `<script type="module" src="/connectors/assets/app.js">`)
      for (const asset of ["app.js", "charts.js", "uPlot.esm.js", "app.css", "uPlot.min.css"]) {
        const res = yield* request(`${hub.url}/connectors/assets/${asset}`)
        assert.strictEqual(res.status, 200, asset)
        assert.match(res.headers.get("content-type") ?? "", asset.endsWith(".js") ? /^text\/javascript/ : /^text\/css/)
        const again = yield* request(`${hub.url}/connectors/assets/${asset}`, {
          headers: { "if-none-match": res.headers.get("etag") ?? "" }
        })
        assert.strictEqual(again.status, 304, asset)
      }
      const missing = yield* request(`${hub.url}/connectors/assets/nope.js`)
      assert.strictEqual(missing.status, 404)
      assert.include(String(missing.body), "nope.js")
    }))

  it.scoped("asks for a token, and says why when the hub rejects one or its role cannot read", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const ctx = yield* Browser.context({ width: 1366, height: 768 })
      const page = yield* Browser.step("new page", () => ctx.newPage())
      yield* Browser.step("open without token", () => page.goto(`${hub.url}/connectors`))
      yield* View.waitState(page, "auth")
      assert.isTrue(yield* View.visible(page, "#token-form"))
      assert.include(yield* View.text(page, "#banner"), "No API token yet")

      yield* Browser.step("open with a wrong token", () => page.goto(`${hub.url}/connectors#token=sw_test_wrong`))
      yield* View.waitState(page, "auth")
      assert.include(yield* View.text(page, "#banner"), "The hub rejected the token")
      assert.notInclude(page.url(), "sw_test_wrong", "the fragment is removed from the address bar")

      const ingestOnly = yield* hub.mintToken({ role: "ingest" })
      yield* Browser.step("type an ingest token", () => page.fill("#token-input", ingestOnly.token))
      yield* Browser.step("submit it", () => page.click("#token-form button[type=submit]"))
      yield* View.waitText(page, "#banner", "may not read the dashboard")
      assert.notInclude(page.url(), ingestOnly.token)
    }))

  it.scoped("renders cards, charts, fan-out and errors from the API, refreshes itself, fits laptop screens", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const list = yield* getAs(ConnectorListResponse, `${hub.url}/api/connectors`, hub.token)
      const fanout = yield* getAs(FanoutResponse, `${hub.url}/api/connectors/fanout?period=7d`, hub.token)
      const errors = yield* getAs(ErrorsResponse, `${hub.url}/api/connectors/errors?limit=50`, hub.token)
      const ctx = yield* Browser.context({ width: 1366, height: 768 })
      const page = yield* Browser.step("new page", () => ctx.newPage())
      const { problems, requests } = yield* openWithToken(page, hub.url, hub.token)

      assert.notInclude(page.url(), "token", "the token leaves the address bar")
      assert.strictEqual(yield* View.evaluate<number>(page, "sessionStorage.length"), 1)
      assert.strictEqual(yield* View.text(page, "#summary .stat:first-child dd"), String(list.data.length))

      const cards = yield* View.cards(page)
      assert.strictEqual(cards.length, 11)
      for (const c of list.data) {
        const card = cards.find((x) => x.key === `${c.connector_type}/${c.endpoint_identity}`)
        assert.isDefined(card, c.endpoint_identity)
        assert.strictEqual(card?.liveness, c.liveness, c.endpoint_identity)
        assert.strictEqual(card?.messages, en.format(c.today.messages_ingested), c.endpoint_identity)
      }
      const liveness = new Set(cards.map((c) => c.liveness))
      assert.deepStrictEqual([...liveness].sort(), ["offline", "online", "stale", "unknown"])
      const colours = new Set(cards.map((c) => `${c.liveness}=${c.badgeColour}`))
      assert.strictEqual(colours.size, 4, `one colour per liveness: ${[...colours].join(", ")}`)
      assert.match(cards.find((c) => c.key === "sandbox/sandbox-8")?.age ?? "", /^1 h \d+ min ago$/)
      assert.match(cards.find((c) => c.key === "telegram/telegram-9")?.age ?? "", /^[34] min ago$/)
      assert.strictEqual(cards.find((c) => c.liveness === "unknown")?.age, "never")

      const charts = yield* View.charts(page)
      assert.deepStrictEqual(
        charts.map((c) => c.key),
        list.data.filter((c) => c.last_heartbeat_at !== null).slice(0, 8).map((c) => `${c.connector_type}/${c.endpoint_identity}`),
        "the first 8 connectors that ever sent a heartbeat are charted by default"
      )
      for (const chart of charts) {
        const [type = "", identity = ""] = chart.key.split("/")
        const stats = yield* getAs(ConnectorStatsResponse, `${hub.url}/api/connectors/${type}/${identity}/stats?period=24h`, hub.token)
        const total = stats.data.timeseries.reduce((sum, p) => sum + p.messages_ingested, 0)
        assert.strictEqual(chart.buckets, 24, chart.key)
        assert.strictEqual(chart.total, total, chart.key)
        assert.include(chart.legend, "Ingested / hour")
        assert.include(chart.legend, "Failed / hour")
        if (total > 0) assert.isAbove(chart.barPixels, 0, `${chart.key}: bars drawn on the canvas`)
      }

      const matrix = yield* View.matrix(page)
      const targets = [...new Set(fanout.data.flatMap((r) => Object.keys(r.targets)))].sort()
      assert.deepStrictEqual(matrix.targets, targets)
      assert.isAbove(targets.length, 0, "the generated history routes messages")
      assert.include(yield* View.text(page, "#fanout-matrix caption"), `${fanout.meta.from.slice(0, 10)} to `)
      for (const row of fanout.data) {
        const key = `${row.connector_type}/${row.endpoint_identity}`
        assert.deepStrictEqual(matrix.rows[key], targets.map((t) => en.format(row.targets[t] ?? 0)), key)
      }

      const log = yield* View.errorLog(page)
      assert.strictEqual(log.length, errors.data.length)
      assert.isAbove(log.length, 0)
      const first = errors.data[0]
      assert.deepStrictEqual(log[0], {
        time: (first?.received_at ?? "").slice(0, 19).replace("T", " "),
        connector: `${first?.connector_type}/${first?.endpoint_identity}`,
        state: first?.state ?? "",
        message: first?.error_message ?? "(no message)"
      })

      Fs.mkdirSync(ARTIFACTS, { recursive: true })
      for (const [width, height] of [[1920, 1080], [1366, 768]] as const) {
        yield* Browser.step("resize", () => page.setViewportSize({ width, height }))
        const overflow = yield* View.evaluate<number>(page, "document.documentElement.scrollWidth - window.innerWidth")
        assert.isAtMost(overflow, 0, `no horizontal scrolling at ${width}×${height}`)
      }
      yield* Browser.step("screenshot", () =>
        page.screenshot({ path: Path.join(ARTIFACTS, "connectors.png"), fullPage: true }))

      const toggledOff = charts[0]?.key ?? ""
      yield* Browser.step("hide the first chart", () => page.uncheck(`#toggle-list input[value="${toggledOff}"]`))
      yield* View.waitGone(page, `figure.chart[data-connector="${toggledOff}"]`)
      yield* Browser.step("pick 30 days", () => page.click(`#period-picker label:has(input[value="30d"])`))
      yield* View.waitSelector(page, `figure.chart[data-buckets="30"]`)
      const monthly = yield* View.charts(page)
      assert.strictEqual(monthly.length, 7)
      assert.include(monthly[0]?.legend ?? "", "Ingested / day")

      const refreshed = Browser.step("the next refresh", () =>
        page.waitForRequest((r) => new URL(r.url()).pathname === "/api/connectors", { timeout: 10_000 }))
      yield* Effect.zip(refreshed, Browser.step("let 15 s pass", () => page.clock.runFor(15_000)), { concurrent: true })
      yield* View.waitState(page, "ready")
      assert.match(yield* View.text(page, "#updated"), /^Updated 10:3\d:\d\d UTC · refreshes every 15 s$/)

      for (const r of requests) assert.notInclude(r.url(), hub.token, "the token never appears in a URL")
      const apiCalls = requests.filter((r) => new URL(r.url()).pathname.startsWith("/api/"))
      assert.isAbove(apiCalls.length, 0)
      for (const r of apiCalls) assert.strictEqual(r.headers()["authorization"], `Bearer ${hub.token}`)

      assert.deepStrictEqual(problems, [], "no console errors or page errors")
    }))

  it.scoped("shows a banner naming the failed route when the API fails, keeps the data, and recovers", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const ctx = yield* Browser.context({ width: 1366, height: 768 })
      const page = yield* Browser.step("new page", () => ctx.newPage())
      yield* openWithToken(page, hub.url, hub.token)
      yield* Browser.step("break the summary route", () =>
        page.route("**/api/connectors/summary*", (route) =>
          route.fulfill({
            status: 503,
            contentType: "application/json",
            body: JSON.stringify({ _tag: "Unavailable", message: "database unavailable: injected", retry_after_s: 2 })
          })))
      yield* Browser.step("refresh now", () => page.click("#refresh-now"))
      yield* View.waitState(page, "error")
      const banner = yield* View.text(page, "#banner")
      assert.include(banner, "/api/connectors/summary")
      assert.include(banner, "HTTP 503: database unavailable: injected")
      assert.strictEqual((yield* View.cards(page)).length, 11, "the last data stays on screen")
      yield* Browser.step("heal the route", () => page.unroute("**/api/connectors/summary*"))
      yield* Browser.step("refresh again", () => page.click("#refresh-now"))
      yield* View.waitState(page, "ready")
      assert.isFalse(yield* View.visible(page, "#banner"))
    }))
})
