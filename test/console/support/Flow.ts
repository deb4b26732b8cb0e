/** Steps the console browser tests share: ingest over REST, routing refresh, navigation, screenshots. */
import { assert } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { Page } from "playwright-core"
import { Router } from "../../../services/Router.js"
import * as Receiver from "../../delivery/support/Receiver.js"
import { field, postJson } from "../../support/Http.js"
import type * as TestHub from "../../support/TestHub.js"
import * as V from "./ConsoleView.js"

const ARTIFACTS = Path.resolve(import.meta.dirname, "../../artifacts")

export const PAGES = ["/", "/requests", "/targets", "/deliveries"]

export const envelope = (id: string, endpoint: string, text: string) => ({
  schema_version: "ingest.v1",
  source: { channel: "sandbox", provider: "sandbox", endpoint_identity: endpoint },
  event: { external_event_id: id, external_thread_id: null, observed_at: new Date().toISOString() },
  sender: { identity: "console-user" },
  payload: { raw: { id, text, nested: { deep: { value: 42 } } }, normalized_text: text }
})

/** Ingests over REST (POST /api/ingest with the token); answers the request id. */
export const ingest = (hub: TestHub.TestHubInfo, id: string, endpoint: string, text: string) =>
  Effect.gen(function*() {
    const res = yield* postJson(`${hub.url}/api/ingest`, hub.token, envelope(id, endpoint, text))
    assert.strictEqual(res.status, 202, JSON.stringify(res.body))
    return String(field(res.body, "request_id"))
  })

/** Routing changes reach ingest on the router's refresh (every 2 s); the test asks for it now instead of waiting. */
export const refreshRouter = Effect.flatMap(Router, (r) => r.refresh).pipe(Effect.orDie)

export const webhookIds = (receiver: Receiver.Receiver) => receiver.received().map((r) => Receiver.header(r, "webhook-id"))

/** A full-page screenshot in test/artifacts (not kept in git), to look at after a run. */
export const screenshot = (page: Page, name: string) =>
  V.step(`screenshot ${name}`, () => {
    Fs.mkdirSync(ARTIFACTS, { recursive: true })
    return page.screenshot({ path: Path.join(ARTIFACTS, `console-${name}.png`), fullPage: true })
  })

/** The tester's result for the route to `target`, as shown in the routes table. */
export const verdict = (page: Page, target: string) =>
  V.evaluate<string>(page, `document.querySelector('#routes-table tr[data-target="${target}"] [data-badge]')?.dataset.badge ?? ""`)

/** Follows the navigation link to `path`, waits until the page is ready and checks it fits the window. */
export const clickNav = (page: Page, path: string, problems: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    yield* V.step(`go to ${path} by its link`, () => Promise.all([page.waitForURL(`**${path}`), page.click(`nav a[href="${path}"]`)]))
    yield* V.ready(page, problems)
    assert.isAtMost(yield* V.horizontalOverflow(page), 0, `no horizontal scrolling on ${path} at 1280 px`)
  })
