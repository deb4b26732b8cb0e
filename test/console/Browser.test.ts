/**
 * The operator console end to end in real headless Chromium against a real hub (real socket, real
 * database, the delivery worker) and a real local webhook receiver: sign in with a #token= fragment, create
 * a target and a route in the UI, ingest over REST, watch the request arrive in the live log, open it, see the
 * attempt, replay it (same webhook-id), pause the target and see the delivery held, resume it and see it
 * delivered; keyboard-only use; a phone-width layout; the token never in a URL.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Receiver from "../delivery/support/Receiver.js"
import { verify } from "../delivery/support/StandardWebhooks.js"
import * as Wait from "../delivery/support/Wait.js"
import { field, postJson, request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import * as ConsoleHub from "./support/ConsoleHub.js"
import * as V from "./support/ConsoleView.js"
import { clickNav, ingest, PAGES, refreshRouter, screenshot, verdict, webhookIds } from "./support/Flow.js"

const Suite = Layer.merge(ConsoleHub.layerDelivering, V.layer)

layer(Suite, { excludeTestServices: true, timeout: 240_000 })("the operator console in Chromium", (it) => {
  it.scoped("create a target and a route, ingest, watch it arrive, open it, replay it, pause and resume its target", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const chromium = yield* V.ChromiumContext
      const { ctx, problems, urls } = chromium
      const problemsHere = V.problemsFromNow(chromium)
      const receiver = yield* Receiver.make(() => ({ status: 200, body: "thanks" }))
      const page = yield* V.step("new page", () => ctx.newPage())

      yield* V.step("open / with the token in the fragment", () => page.goto(`${hub.url}/#token=${encodeURIComponent(hub.token)}`))
      yield* V.ready(page, problems)
      assert.notInclude(page.url(), "token", "the fragment leaves the address bar")
      assert.match(yield* V.text(page, `[data-stat="database"] dd`), /^reachable\b/)
      assert.include(yield* V.text(page, "#status-badge"), "ok")

      yield* clickNav(page, "/targets", problems)
      yield* V.step("name the target", () => page.fill("#t-name", "console-e2e"))
      yield* V.step("give its URL", () => page.fill("#t-url", receiver.url))
      yield* V.step("create it", () => page.click("#target-form button[type=submit]"))
      yield* V.waitFor(page, "#secret-once")
      const secret = yield* V.step("read the secret", () => page.inputValue("#secret-value"))
      assert.match(secret, /^whsec_[A-Za-z0-9+/=]{32,}$/)
      yield* V.waitFor(page, `#targets-table tr[data-target="console-e2e"][data-state="active"]`)

      yield* V.step("pick the target for a route", () => page.selectOption("#r-target", "console-e2e"))
      yield* V.step("match one endpoint", () => page.fill("#r-endpoint", "console-e2e-1"))
      yield* V.step("add the route", () => page.click("#route-submit"))
      yield* V.waitFor(page, `#routes-table tr[data-target="console-e2e"]`)
      assert.include(yield* V.text(page, "#route-output"), "Added a route to console-e2e")

      yield* V.step("tester: endpoint", () => page.fill("#e-endpoint", "console-e2e-1"))
      yield* V.step("tester: sender", () => page.fill("#e-sender", "console-user"))
      yield* V.step("tester: evaluate", () => page.click("#tester-form button[type=submit]"))
      yield* V.waitFor(page, "#tester-targets")
      assert.include(yield* V.text(page, "#tester-targets"), "console-e2e")
      assert.strictEqual(yield* verdict(page, "console-e2e"), "matched")
      yield* V.step("tester: another endpoint", () => page.fill("#e-endpoint", "elsewhere"))
      yield* V.step("tester: evaluate again", () => page.click("#tester-form button[type=submit]"))
      yield* V.waitUntil(page, "the tester says no target", `!document.querySelector("#tester-targets")?.textContent.includes("console-e2e")`)
      assert.strictEqual(yield* verdict(page, "console-e2e"), "no_match")

      yield* V.step("hide the secret", () => page.click("#secret-done"))
      assert.isFalse(yield* V.evaluate<boolean>(page, `document.documentElement.outerHTML.includes(${JSON.stringify(secret)})`))
      yield* screenshot(page, "targets")
      yield* refreshRouter

      yield* clickNav(page, "/requests", problems)
      yield* V.evaluate(page, "window.stillTheSamePage = true")
      const first = yield* ingest(hub, "console-e2e-a", "console-e2e-1", "hello from the console test")
      yield* V.waitFor(page, `#requests-table tr[data-request-id="${first}"]`)
      assert.isTrue(yield* V.evaluate<boolean>(page, "window.stillTheSamePage === true"), "the row came in without a reload")
      assert.include(yield* V.text(page, `#requests-table tr[data-request-id="${first}"]`), "hello from the console test")

      yield* V.step("open the request", () => page.click(`[data-open="${first}"]`))
      yield* V.waitFor(page, "#detail")
      assert.strictEqual(yield* V.evaluate<string>(page, "document.activeElement.id"), "detail-heading", "the focus moves to the pane")
      assert.include(page.url(), `id=${first}`)
      const attempt = `#deliveries article[data-target="console-e2e"] .timeline li`
      yield* V.waitFor(page, `${attempt}[data-outcome="delivered"][data-status="200"]`)
      assert.strictEqual(receiver.received().length, 1)
      const delivered = receiver.received()[0]!
      assert.strictEqual(verify(secret, delivered.headers, delivered.body, Math.floor(Date.now() / 1000)), "ok", "signed with the secret the page showed")
      const webhookId = yield* V.text(page, `#deliveries [data-fact="webhook_id"]`)
      assert.strictEqual(Receiver.header(delivered, "webhook-id"), webhookId)
      assert.include(yield* V.text(page, "#payload-tree"), `"deep"`)
      yield* V.step("collapse the payload", () => page.click("#detail .json-tools button:nth-child(2)"))
      assert.isFalse(yield* V.step("is the nested value hidden", () => page.locator("#payload-tree", { hasText: "42" }).locator("text=42").isVisible()))
      yield* screenshot(page, "request")

      yield* V.step("replay it", () => page.click(`[data-replay-target="console-e2e"]`))
      yield* V.waitUntil(page, "the replay is reported", `document.querySelector("#replay-output")?.textContent.includes("Replayed to console-e2e")`)
      yield* Wait.untilTrue("the replay reaches the receiver", Effect.sync(() => receiver.received().length === 2))
      assert.deepStrictEqual(webhookIds(receiver), [webhookId, webhookId], "a replay keeps the webhook-id")
      yield* V.waitUntil(page, "the timeline shows the second attempt", `document.querySelectorAll(${JSON.stringify(`${attempt}[data-outcome="delivered"]`)}).length === 2`)
      assert.isTrue(yield* V.evaluate<boolean>(page, "window.stillTheSamePage === true"))

      yield* clickNav(page, "/deliveries", problems)
      const row = `#backlog-table tr[data-target="console-e2e"]`
      yield* V.step("pause the target", () => page.click(`${row} button[data-action="pause"]`))
      yield* V.waitFor(page, `${row}[data-paused="true"]`)
      assert.include(yield* V.text(page, "#backlog-output"), "Paused console-e2e")
      const held = yield* ingest(hub, "console-e2e-b", "console-e2e-1", "held while paused")
      // The page refreshes every 5 s by itself; "Refresh now" saves the test the wait.
      yield* V.step("refresh now", () => page.click("#refresh-now"))
      yield* V.waitUntil(page, "one delivery is held", `document.querySelector(${JSON.stringify(`${row} [data-count="pending"]`)})?.textContent === "1"`)
      assert.strictEqual(receiver.received().length, 2, "nothing is delivered while the target is paused")
      yield* screenshot(page, "deliveries")
      yield* V.step("resume the target", () => page.click(`${row} button[data-action="resume"]`))
      yield* V.waitFor(page, `${row}[data-paused="false"]`)
      yield* Wait.untilTrue("the held delivery arrives", Effect.sync(() => receiver.received().length === 3))
      assert.strictEqual(Receiver.json(receiver.received()[2]!).data["request_context"]?.["request_id"], held)
      yield* V.step("refresh now", () => page.click("#refresh-now"))
      yield* V.waitUntil(page, "the backlog is empty again", `document.querySelector(${JSON.stringify(`${row} [data-count="pending"]`)})?.textContent === "0"`)
      yield* V.waitUntil(page, "the chart counts the deliveries", `Number(document.querySelector("#attempts-chart").dataset.delivered) >= 3`)

      yield* clickNav(page, "/requests", problems)
      yield* V.waitFor(page, `#requests-table tr[data-request-id="${held}"] [data-lifecycle="delivered"]`)

      for (const url of urls) assert.notInclude(url, hub.token, `the token is never in a URL: ${url}`)
      for (const url of urls) assert.notInclude(url, secret, `the secret is never in a URL: ${url}`)
      assert.deepStrictEqual(problemsHere(), [], "no console errors or page errors")
    }))

  it.scoped("works with the keyboard only: Tab to a request, Enter opens it, replay it, Escape goes back", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const chromium = yield* V.ChromiumContext
      const { ctx, problems } = chromium
      const problemsHere = V.problemsFromNow(chromium)
      const receiver = yield* Receiver.make()
      for (const [path, body] of [
        ["/api/targets", { name: "keyboard", url: receiver.url }],
        ["/api/routes", { target: "keyboard", endpoint_identity: "keyboard-1" }]
      ] as const) {
        assert.strictEqual((yield* postJson(`${hub.url}${path}`, hub.token, body)).status, 201, path)
      }
      yield* refreshRouter
      const id = yield* ingest(hub, "keyboard-a", "keyboard-1", "typed without a mouse")
      yield* Wait.untilTrue("the first delivery", Effect.sync(() => receiver.received().length === 1))

      const page = yield* V.step("new page", () => ctx.newPage())
      yield* V.step("open /requests", () => page.goto(`${hub.url}/requests#token=${encodeURIComponent(hub.token)}`))
      yield* V.ready(page, problems)
      yield* V.waitFor(page, `[data-open="${id}"]`)
      yield* V.tabTo(page, "a.skip")
      assert.isTrue(yield* V.step("skip link shown when focused", () => page.locator("a.skip").isVisible()))
      yield* V.tabTo(page, `[data-open="${id}"]`)
      const onRow = yield* V.focused(page)
      assert.notMatch(onRow.outline, /^none/, `a visible focus ring (${onRow.outline})`)
      yield* V.step("Enter opens it", () => page.keyboard.press("Enter"))
      yield* V.waitFor(page, "#detail")
      assert.strictEqual((yield* V.focused(page)).id, "detail-heading")
      yield* V.waitFor(page, `#deliveries article[data-target="keyboard"] .timeline li[data-outcome="delivered"]`)
      yield* V.tabTo(page, `[data-replay-target="keyboard"]`, 30)
      yield* V.step("Enter replays", () => page.keyboard.press("Enter"))
      yield* V.waitUntil(page, "the replay is reported", `document.querySelector("#replay-output")?.textContent.includes("Replayed to keyboard")`)
      yield* Wait.untilTrue("the replay arrives", Effect.sync(() => receiver.received().length === 2))
      assert.strictEqual(yield* V.evaluate<string>(page, "document.activeElement.dataset.focusKey"), "replay:keyboard", "a refresh keeps the focus")
      assert.strictEqual(yield* V.evaluate<string>(page, `document.querySelector("#live").textContent`), "Replayed to keyboard (webhook-id " + Receiver.header(receiver.received()[0]!, "webhook-id") + ", the same as before).")
      yield* V.step("Escape closes the pane", () => page.keyboard.press("Escape"))
      yield* V.waitFor(page, "#detail", "hidden")
      assert.strictEqual((yield* V.focused(page)).key, `open:${id}`, "the focus goes back to the request's row")
      assert.deepStrictEqual(problemsHere(), [])
    }))

  it.scoped("the other controls: rotate a secret, send a test event, change a URL, edit and remove a route, replay a dead letter, search, open by key, bulk replay", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const chromium = yield* V.ChromiumContext
      const { ctx, problems, urls } = chromium
      const problemsHere = V.problemsFromNow(chromium)
      // Test sends are answered 202; the first delivery is refused for good (400: a dead letter), later ones accepted.
      let deliveries = 0
      const receiver = yield* Receiver.make((r) =>
        r.body.includes(`"switchboard.test"`)
          ? { status: 202, body: "test seen" }
          : deliveries++ === 0
          ? { status: 400, body: "no thanks" }
          : Receiver.ok
      )
      const created = yield* postJson(`${hub.url}/api/targets`, hub.token, { name: "other", url: receiver.url })
      assert.strictEqual(created.status, 201)
      const firstSecret = String(field(field(created.body, "data"), "secret"))
      assert.strictEqual((yield* postJson(`${hub.url}/api/routes`, hub.token, { target: "other", endpoint_identity: "other-1", sender_identity: "nobody" })).status, 201)

      const page = yield* V.step("new page", () => ctx.newPage())
      yield* V.step("open /targets", () => page.goto(`${hub.url}/targets#token=${encodeURIComponent(hub.token)}`))
      yield* V.ready(page, problems)
      const target = `#targets-table tr[data-target="other"]`
      yield* V.step("arm the rotation", () => page.click(`${target} [data-focus-key="rotate:other"]`))
      assert.strictEqual(yield* V.text(page, `${target} [data-focus-key="rotate:other"]`), "Confirm: new secret")
      yield* V.step("confirm the rotation", () => page.click(`${target} [data-focus-key="rotate:other"]`))
      yield* V.waitFor(page, "#secret-once")
      const secret = yield* V.step("read the new secret", () => page.inputValue("#secret-value"))
      assert.match(secret, /^whsec_/)
      assert.notStrictEqual(secret, firstSecret)
      yield* V.step("hide it", () => page.click("#secret-done"))

      yield* V.step("send a test event", () => page.click(`${target} [data-action="test"]`))
      yield* V.waitUntil(page, "the test answer is shown", `document.querySelector("#target-output")?.textContent.startsWith("Test event to other")`)
      const tested = yield* V.text(page, "#target-output")
      assert.match(tested, /^Test event to other: accepted, HTTP 202 in [\d,]+ ms \(webhook-id msg_test_\w+\)\.\nReceiver answered: test seen$/)
      assert.strictEqual(receiver.received().length, 1)
      const test = receiver.received()[0]!
      assert.include(tested, Receiver.header(test, "webhook-id"))
      assert.strictEqual(verify(secret, test.headers, test.body, Math.floor(Date.now() / 1000)), "ok", "signed with the rotated secret")

      yield* V.step("change the URL", () => page.click(`${target} [data-action="edit"]`))
      yield* V.step("type the new URL", () => page.fill("#url-other", `${receiver.url}?v=2`))
      yield* V.step("save it", () => page.click(`${target} form button[type=submit]`))
      yield* V.waitUntil(page, "the new URL is listed", `document.querySelector('${target}')?.textContent.includes("/hook?v=2")`)

      const route = `#routes-table tr[data-target="other"]`
      yield* V.step("edit the route", () => page.click(`${route} button:text("Edit")`))
      assert.strictEqual(yield* V.step("the form holds the route", () => page.inputValue("#r-sender")), "nobody")
      yield* V.step("any sender", () => page.fill("#r-sender", ""))
      yield* V.step("priority 5", () => page.fill("#r-priority", "5"))
      yield* V.step("save the route", () => page.click("#route-submit"))
      yield* V.waitUntil(page, "the route is saved", `document.querySelector("#route-output")?.textContent.includes("Saved the route to other")`)
      // The table is redrawn from the API after the save message, so wait for the new row rather than read it once.
      yield* V.waitUntil(page, "the route is listed with priority 5", `/\\b5\\b/.test(document.querySelector('${route}')?.innerText ?? "")`)
      assert.match(yield* V.text(page, route), /\b5\b/)
      assert.notInclude(yield* V.text(page, route), "nobody")
      yield* refreshRouter

      const id = yield* ingest(hub, "other-a", "other-1", "other controls check")
      yield* Wait.untilTrue("the refused first delivery", Effect.sync(() => receiver.received().length === 2))
      yield* V.step("open /deliveries", () => page.goto(`${hub.url}/deliveries`))
      yield* V.ready(page, problems)
      const deadRow = `#dead-table tr[data-target="other"]`
      yield* V.waitFor(page, deadRow)
      assert.include(yield* V.text(page, deadRow), "HTTP 400")
      yield* V.step("replay the dead letter", () => page.click(`${deadRow} button`))
      yield* V.waitUntil(page, "the replay is reported", `document.querySelector("#dead-output")?.textContent.includes("Replayed the dead letter to other")`)
      yield* Wait.untilTrue("the replayed delivery", Effect.sync(() => receiver.received().length === 3))
      const second = receiver.received()[2]!
      assert.strictEqual(verify(secret, second.headers, second.body, Math.floor(Date.now() / 1000)), "ok", "signed with the rotated secret")

      yield* V.step("open /requests", () => page.goto(`${hub.url}/requests`))
      yield* V.ready(page, problems)
      yield* V.step("search", () => page.fill("#f-q", "CONTROLS CHECK"))
      yield* V.step("submit the search", () => page.click("#filter-form button[type=submit]"))
      yield* V.waitUntil(page, "only the match is listed", `document.querySelectorAll("#requests-table tbody tr").length === 1 && !!document.querySelector('#requests-table tr[data-request-id="${id}"]')`)
      assert.include(page.url(), "q=CONTROLS+CHECK")
      yield* V.step("too short a search", () => page.fill("#f-q", "ab"))
      yield* V.step("submit it", () => page.click("#filter-form button[type=submit]"))
      yield* V.waitFor(page, "#filter-output.inline-error")
      assert.include(yield* V.text(page, "#filter-output"), "HTTP 400")
      assert.strictEqual(yield* V.evaluate<number>(page, `document.querySelectorAll("#requests-table tbody tr").length`), 1, "a refused search keeps the list")
      yield* V.step("search again", () => page.fill("#f-q", "controls check"))
      yield* V.step("submit the search again", () => page.click("#filter-form button[type=submit]"))
      yield* V.waitFor(page, "#filter-output.inline-ok")

      const detail = yield* request(`${hub.url}/api/requests/${id}`, { headers: { authorization: `Bearer ${hub.token}` } })
      const key = String(field(field(detail.body, "data"), "dedupe_key"))
      yield* V.step("type the dedupe key", () => page.fill("#key-input", key))
      yield* V.step("open by key", () => page.click("#key-form button[type=submit]"))
      yield* V.waitUntil(page, "the request opens", `document.querySelector('#detail-body [data-fact="request_id"]')?.textContent === "${id}"`)

      yield* V.step("show bulk replay", () => page.click("#bulk summary"))
      yield* V.step("dry run", () => page.click("#bulk-dry-run"))
      yield* V.waitUntil(page, "the count", `document.querySelector("#bulk-output")?.textContent.includes("1 request(s) match")`)
      yield* V.step("replay them", () => page.click("#bulk-replay"))
      yield* V.waitUntil(page, "the bulk replay is reported", `document.querySelector("#bulk-output")?.textContent.startsWith("Replayed 1 request(s)")`)
      yield* Wait.untilTrue("the bulk-replayed delivery", Effect.sync(() => receiver.received().length === 4))

      yield* V.step("open /targets", () => page.goto(`${hub.url}/targets`))
      yield* V.ready(page, problems)
      yield* V.step("arm the removal", () => page.click(`${route} [data-focus-key^="remove-route:"]`))
      yield* V.step("confirm the removal", () => page.click(`${route} [data-focus-key^="remove-route:"]`))
      yield* V.waitFor(page, route, "detached")
      assert.include(yield* V.text(page, "#route-output"), "Removed the route to other")

      for (const url of urls) assert.notInclude(url, hub.token, `the token is never in a URL: ${url}`)
      for (const url of urls) assert.notInclude(url, secret, `the secret is never in a URL: ${url}`)
      assert.deepStrictEqual(problemsHere().filter((p) => !p.includes("status of 400")), [], "no page errors (the refused search is logged by Chromium)")
    }))

  it.scoped("fits a phone (390 px) on every page, with a request open, and says which role a token lacks", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const chromium = yield* V.ChromiumContext
      const { ctx, problems, urls } = chromium
      const problemsHere = V.problemsFromNow(chromium)
      const page = yield* V.step("new page", () => ctx.newPage())
      yield* V.step("phone size", () => page.setViewportSize({ width: 390, height: 844 }))
      yield* V.step("sign in", () => page.goto(`${hub.url}/#token=${encodeURIComponent(hub.token)}`))
      yield* V.ready(page, problems)
      const id = yield* ingest(hub, "phone-a", "phone-1", "a long line ".repeat(40))
      for (const path of PAGES) {
        yield* V.step(`open ${path}`, () => page.goto(`${hub.url}${path}`))
        yield* V.ready(page, problems)
        assert.isAtMost(yield* V.horizontalOverflow(page), 0, `no horizontal scrolling on ${path} at 390 px`)
        yield* screenshot(page, `phone${path === "/" ? "-home" : path.replace("/", "-")}`)
      }
      yield* V.step("open a request", () => page.goto(`${hub.url}/requests?id=${id}`))
      yield* V.ready(page, problems)
      yield* V.waitFor(page, "#payload-tree")
      assert.isAtMost(yield* V.horizontalOverflow(page), 0, "no horizontal scrolling with a request open at 390 px")

      const viewer = yield* hub.mintToken({ role: "viewer" })
      yield* V.step("a viewer token", () => page.goto(`${hub.url}/requests#token=${encodeURIComponent(viewer.token)}`))
      yield* V.step("wait for the sign-in panel", () => page.waitForSelector(`body[data-state="auth"]`, { timeout: 20_000 }))
      assert.include(yield* V.text(page, "#banner"), "requests.read needs role operator")
      assert.isTrue(yield* V.step("token form shown", () => page.locator("#token-form").isVisible()))
      yield* V.step("the viewer may see the landing page", () => page.goto(`${hub.url}/`))
      yield* V.ready(page, problems)

      const operator = yield* hub.mintToken({ role: "operator" })
      yield* V.step("an operator token", () => page.goto(`${hub.url}/targets#token=${encodeURIComponent(operator.token)}`))
      yield* V.ready(page, problems)
      yield* V.step("name a target", () => page.fill("#t-name", "not-allowed"))
      yield* V.step("give a URL", () => page.fill("#t-url", "http://127.0.0.1:9/hook"))
      yield* V.step("try to create it", () => page.click("#target-form button[type=submit]"))
      yield* V.waitFor(page, "#target-form-output.inline-error")
      assert.include(yield* V.text(page, "#target-form-output"), "targets.write needs role admin")
      for (const token of [viewer.token, operator.token]) {
        for (const url of urls) assert.notInclude(url, token, `the token is never in a URL: ${url}`)
      }
      assert.deepStrictEqual(problemsHere().filter((p) => !p.includes("status of 403")), [], "no page errors (the refused call is logged by Chromium)")
    }))
})
