/**
 * The /connectors cards show the hub's own counts beside the heartbeat's, and a badge in words when a
 * connector claims more than the hub accepted (real hub, real Chromium).
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { HeartbeatInput } from "../../src/domain/Heartbeat.js"
import { ConnectorListResponse } from "../../src/domain/StatsApi.js"
import { sample } from "../support/Fixtures.js"
import { postJson } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import { getAs } from "../stats/support/Api.js"
import * as FrozenClock from "../stats/support/FrozenClock.js"
import * as Browser from "./support/Browser.js"
import * as View from "./support/View.js"

/** After the migration that began counting, so the whole day is judged. */
const NOW = Date.parse("2030-01-15T10:30:00Z")
const ARTIFACTS = Path.resolve(import.meta.dirname, "../artifacts")
const Hub = TestHub.layer.pipe(Layer.provide(FrozenClock.make(NOW).layer))

const heartbeat = (identity: string, ingested: number): HeartbeatInput => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: "sandbox", endpoint_identity: identity, instance_id: "0190f5a4-1111-7000-8000-00000000b0b0" },
  status: { state: "healthy", error_message: null, uptime_s: 10 },
  counters: { messages_ingested: ingested, messages_failed: 0, source_api_calls: 1, checkpoint_saves: 0, dedupe_accepted: 0 },
  sent_at: new Date(NOW).toISOString()
})

interface HubCard {
  readonly key: string
  readonly hub: string
  readonly claims: string | null
}

const hubCards = (page: Parameters<typeof View.evaluate>[0]) =>
  View.evaluate<ReadonlyArray<HubCard>>(page, `[...document.querySelectorAll("#cards article.card")].map((card) => ({
    key: card.dataset.connector,
    hub: card.querySelector('[data-field="hub"] dd')?.textContent ?? "",
    claims: card.querySelector("[data-claims]")?.textContent ?? null
  }))`)

layer(Hub, { excludeTestServices: true, timeout: 120_000 })("hub counts on the /connectors page", (it) => {
  it.scoped("each card shows the hub's counts today, and a worded badge when the heartbeat claims more", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      for (const identity of ["page-high", "page-ok"]) {
        for (const id of ["e-1", "e-2", "e-1"]) {
          assert.strictEqual((yield* postJson(`${hub.url}/api/ingest`, hub.token, sample(id, { endpoint_identity: identity }))).status, 202)
        }
        const invalid = { ...sample("e-3", { endpoint_identity: identity }), sender: { identity: "" } }
        assert.strictEqual((yield* postJson(`${hub.url}/api/ingest`, hub.token, invalid)).status, 400)
      }
      for (const [identity, claimed] of [["page-high", 9], ["page-ok", 2]] as const) {
        assert.strictEqual((yield* postJson(`${hub.url}/api/connectors/heartbeat`, hub.token, heartbeat(identity, claimed))).status, 202)
      }
      const list = yield* getAs(ConnectorListResponse, `${hub.url}/api/connectors`, hub.token)
      assert.deepStrictEqual(list.data.map((c) => [c.endpoint_identity, c.claims_exceed_hub]), [["page-high", true], ["page-ok", false]])

      const ctx = yield* Browser.context({ width: 1366, height: 768 })
      const page = yield* Browser.step("new page", () => ctx.newPage())
      yield* Browser.step("open page", () => page.goto(`${hub.url}/connectors#token=${encodeURIComponent(hub.token)}`))
      yield* View.waitState(page, "ready")
      const cards = yield* hubCards(page)
      assert.deepStrictEqual(cards, [
        {
          key: "sandbox/page-high",
          hub: "hub: 2 accepted, 1 duplicate, 1 rejected",
          claims: "claims exceed hub heartbeat: 9 ingested today; hub: 3 accepted or duplicate"
        },
        { key: "sandbox/page-ok", hub: "hub: 2 accepted, 1 duplicate, 1 rejected", claims: null }
      ])
      assert.isTrue(yield* View.visible(page, `article[data-connector="sandbox/page-high"] .badge-claims`))
      const overflow = yield* View.evaluate<number>(page, "document.documentElement.scrollWidth - window.innerWidth")
      assert.isAtMost(overflow, 0, "no horizontal scrolling")
      Fs.mkdirSync(ARTIFACTS, { recursive: true })
      yield* Browser.step("screenshot", () => page.locator("#cards").screenshot({ path: Path.join(ARTIFACTS, "connectors-hub-counts.png") }))
    }))
})
