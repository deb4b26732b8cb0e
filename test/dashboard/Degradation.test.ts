/**
 * The /connectors page shows what degraded: each card carries the last successful submission and the
 * count of degradations, and its "Degradations and details" disclosure shows the detail API's totals and
 * the current instance's counts, kind by kind; an open disclosure stays open across refreshes.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ConnectorDetailResponse } from "../../src/domain/StatsApi.js"
import { postJson } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import { getAs } from "../stats/support/Api.js"
import * as Browser from "./support/Browser.js"
import * as View from "./support/View.js"

const heartbeat = (type: string, identity: string, instance: string, extra: Record<string, unknown> = {}) => ({
  schema_version: "connector.heartbeat.v1",
  connector: { connector_type: type, endpoint_identity: identity, instance_id: instance },
  status: { state: "degraded", error_message: "3 transient failures in a row", uptime_s: 60 },
  counters: { messages_ingested: 4, messages_failed: 1, source_api_calls: 9, checkpoint_saves: 2, dedupe_accepted: 0 },
  sent_at: new Date().toISOString(),
  ...extra
})

interface RowView {
  readonly kind: string
  readonly total: string
  readonly current: string
}

const tableOf = (page: Parameters<typeof View.evaluate>[0], key: string) =>
  View.evaluate<ReadonlyArray<RowView>>(page, `[...document.querySelectorAll('[data-degradations="${key}"] tbody tr')].map((tr) => ({
    kind: tr.dataset.kind,
    total: tr.querySelector("[data-total]").textContent,
    current: tr.querySelector("[data-current]").textContent
  }))`)

const cardField = (page: Parameters<typeof View.evaluate>[0], key: string, field: string) =>
  View.text(page, `article[data-connector="${key}"] [data-field="${field}"] dd`)

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("degradations on the /connectors page", (it) => {
  it.scoped("cards show last submission and degradations; the disclosure shows the detail, kind by kind", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const url = `${hub.url}/api/connectors/heartbeat`
      const submittedAt = new Date(Date.now() - 90_000).toISOString()
      for (const body of [
        heartbeat("telegram", "support_bot", "0190f5a4-4444-7000-8000-000000000001", {
          degradation: { media_failures: 2, attachments_skipped: { download_failed: 2 }, rate_limited: 3, rate_limit_wait_s: 15 }
        }),
        heartbeat("telegram", "support_bot", "0190f5a4-4444-7000-8000-000000000002", {
          degradation: { dead_lettered: 1, attachments_skipped: { too_large: 1 } },
          last_submission_at: submittedAt
        }),
        heartbeat("sandbox", "old-connector", "0190f5a4-4444-7000-8000-000000000003")
      ]) {
        const res = yield* postJson(url, hub.token, body)
        assert.strictEqual(res.status, 202, JSON.stringify(res.body))
      }
      const api = yield* getAs(ConnectorDetailResponse, `${hub.url}/api/connectors/telegram/support_bot`, hub.token)
      const reader = yield* hub.mintToken({ role: "read" })
      const ctx = yield* Browser.context({ width: 1366, height: 900 })
      const page = yield* Browser.step("new page", () => ctx.newPage())
      const problems: Array<string> = []
      page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`))
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`))
      yield* Browser.step("open page", () => page.goto(`${hub.url}/connectors#token=${reader.token}`))
      yield* View.waitState(page, "ready").pipe(View.explainFailure(page, problems))

      assert.match(yield* cardField(page, "telegram/support_bot", "submission"), /^1 min ago$/)
      assert.strictEqual(yield* cardField(page, "telegram/support_bot", "degradations"), String(api.data.degradations_total))
      assert.strictEqual(api.data.degradations_total, 2 + 2 + 3 + 1 + 1)
      assert.strictEqual(yield* cardField(page, "sandbox/old-connector", "submission"), "never")
      assert.strictEqual(yield* cardField(page, "sandbox/old-connector", "degradations"), "0")

      yield* Browser.step("open details", () => page.click(`details[data-details="telegram/support_bot"] summary`))
      yield* View.waitSelector(page, `[data-detail-body="telegram/support_bot"][data-loaded="true"]`)
      const rows = yield* tableOf(page, "telegram/support_bot")
      const byKind = new Map(rows.map((r) => [r.kind, r]))
      assert.deepStrictEqual(byKind.get("media_failures"), { kind: "media_failures", total: "2", current: "0" })
      assert.deepStrictEqual(byKind.get("rate_limited"), { kind: "rate_limited", total: "3", current: "0" })
      assert.deepStrictEqual(byKind.get("rate_limit_wait_s"), { kind: "rate_limit_wait_s", total: "15", current: "0" })
      assert.deepStrictEqual(byKind.get("dead_lettered"), { kind: "dead_lettered", total: "1", current: "1" })
      assert.deepStrictEqual(byKind.get("attachments_skipped.download_failed"), { kind: "attachments_skipped.download_failed", total: "2", current: "0" })
      assert.deepStrictEqual(byKind.get("attachments_skipped.too_large"), { kind: "attachments_skipped.too_large", total: "1", current: "1" })
      for (const [kind, total] of Object.entries(api.data.degradation_totals)) {
        if (typeof total === "number") assert.strictEqual(byKind.get(kind)?.total, String(total), kind)
      }
      const detailText = yield* View.text(page, `[data-detail-body="telegram/support_bot"] [data-field="last-submission"] dd`)
      assert.strictEqual(detailText, `${submittedAt.slice(0, 19).replace("T", " ")} UTC`)

      // a refresh re-renders the cards: the disclosure stays open and is loaded again
      yield* Browser.step("refresh", () => page.click("#refresh-now"))
      yield* View.waitState(page, "ready")
      yield* View.waitSelector(page, `details[data-details="telegram/support_bot"][open] [data-loaded="true"]`)
      assert.isFalse(yield* View.visible(page, `[data-detail-body="sandbox/old-connector"]`))
      assert.deepStrictEqual(problems, [])
    }))
})
