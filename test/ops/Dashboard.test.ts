/**
 * The shipped Grafana dashboard: valid JSON of a recent schema, every panel on the `${DS_PROMETHEUS}`
 * datasource variable, every query valid PromQL (promtool parses it as a recording rule, with Grafana's
 * variables filled in) naming only metrics the hub exports, and the panels the issue asks for.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as MetricNames from "./support/MetricNames.js"
import * as Promtool from "./support/Promtool.js"

const DS = { type: "prometheus", uid: "${DS_PROMETHEUS}" }

const Datasource = Schema.Struct({ type: Schema.String, uid: Schema.String })
const GridPos = Schema.Struct({ h: Schema.Int, w: Schema.Int, x: Schema.Int, y: Schema.Int })
const Target = Schema.Struct({ refId: Schema.String, expr: Schema.NonEmptyString, datasource: Datasource })
const Panel = Schema.Struct({
  id: Schema.Int,
  type: Schema.String,
  title: Schema.NonEmptyString,
  gridPos: GridPos,
  datasource: Schema.optional(Datasource),
  targets: Schema.optional(Schema.Array(Target))
})
const Variable = Schema.Struct({ name: Schema.String, type: Schema.String, query: Schema.Unknown })
const Dashboard = Schema.Struct({
  title: Schema.String,
  uid: Schema.String,
  schemaVersion: Schema.Int.pipe(Schema.greaterThanOrEqualTo(36)),
  templating: Schema.Struct({ list: Schema.Array(Variable) }),
  panels: Schema.Array(Panel)
})

const dashboard = Effect.flatMap(
  MetricNames.repoFile("ops/grafana/switchboard.json"),
  Schema.decode(Schema.parseJson(Dashboard))
)

const queries = (d: typeof Dashboard.Type) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })))

/** Grafana's variables replaced by values PromQL accepts. */
const filled = (expr: string) =>
  expr.replaceAll("$__rate_interval", "5m").replaceAll("$__range", "6h").replace(/\$[a-z_]+/g, ".*")

describe("ops/grafana/switchboard.json", () => {
  it.effect("is a dashboard of schemaVersion >= 36 whose panels and queries all use the DS_PROMETHEUS datasource variable", () =>
    Effect.gen(function*() {
      const d = yield* dashboard
      const ds = d.templating.list.find((v) => v.name === "DS_PROMETHEUS")
      assert.deepStrictEqual(ds && { type: ds.type, query: ds.query }, { type: "datasource", query: "prometheus" })
      for (const p of d.panels.filter((p) => p.type !== "row")) {
        assert.deepStrictEqual(p.datasource, DS, p.title)
        assert.isAbove(p.targets?.length ?? 0, 0, `${p.title} has queries`)
        for (const t of p.targets ?? []) assert.deepStrictEqual(t.datasource, DS, `${p.title} ${t.refId}`)
      }
      assert.strictEqual(new Set(d.panels.map((p) => p.id)).size, d.panels.length, "panel ids are unique")
    }))

  it.effect("lays its panels out on the 24-column grid without overlaps", () =>
    Effect.gen(function*() {
      const d = yield* dashboard
      const cells = new Map<string, string>()
      for (const p of d.panels) {
        assert.isAtMost(p.gridPos.x + p.gridPos.w, 24, p.title)
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            const taken = cells.get(`${x},${y}`)
            assert.isUndefined(taken, `${p.title} overlaps ${taken}`)
            cells.set(`${x},${y}`, p.title)
          }
        }
      }
    }))

  it.effect("names only metrics the hub exports and variables it defines", () =>
    Effect.gen(function*() {
      const d = yield* dashboard
      const exported = yield* MetricNames.exported
      const defined = new Set(d.templating.list.map((v) => v.name))
      for (const q of queries(d)) {
        assert.deepStrictEqual([...MetricNames.mentioned(q.expr)].filter((n) => !exported.has(n)), [], q.panel)
        const used = [...q.expr.matchAll(/\$([a-zA-Z_]+)/g)].map((m) => m[1]!).filter((v) => !v.startsWith("__"))
        assert.deepStrictEqual(used.filter((v) => !defined.has(v)), [], `${q.panel} variables`)
      }
      for (const v of d.templating.list.filter((v) => v.type === "query")) {
        const text = JSON.stringify(v.query)
        assert.deepStrictEqual([...MetricNames.mentioned(text)].filter((n) => !exported.has(n)), [], `variable ${v.name}`)
      }
    }))

  it.effect("every query is valid PromQL (promtool check rules)", () =>
    Effect.gen(function*() {
      const d = yield* dashboard
      const rules = queries(d).map((q, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(filled(q.expr))}`)
      const dir = mkdtempSync(join(tmpdir(), "sb-h3-dashboard-"))
      writeFileSync(join(dir, "queries.yml"), `groups:\n  - name: dashboard\n    rules:\n${rules.join("\n")}\n`)
      const check = yield* Promtool.run(["check", "rules", "queries.yml"], { cwd: dir })
      assert.strictEqual(check.code, 0, check.output)
      assert.include(check.output, `SUCCESS: ${rules.length} rules found`)
    }))

  it.effect("has the panels operators look at: ingest, latency, 5xx, duplicates, liveness, heartbeat and checkpoint age, degradations, delivery, dead letters, actions", () =>
    Effect.gen(function*() {
      const text = queries(yield* dashboard).map((q) => q.expr).join("\n")
      for (const needed of [
        /sum by \(outcome\) \(rate\(switchboard_ingest_results_total/,
        /histogram_quantile\(0\.5, [^\n]*switchboard_ingest_latency_seconds_bucket/,
        /histogram_quantile\(0\.95, [^\n]*switchboard_ingest_latency_seconds_bucket/,
        /histogram_quantile\(0\.99, [^\n]*switchboard_ingest_latency_seconds_bucket/,
        /outcome=~"error\|unavailable"/,
        /outcome="duplicate"/,
        /switchboard_connectors\b/,
        /time\(\) - [^\n]*switchboard_connector_last_heartbeat_timestamp_seconds/,
        /time\(\) - [^\n]*switchboard_connector_checkpoint_updated_timestamp_seconds/,
        /sum by \(kind\) [^\n]*switchboard_connector_degradations_total/,
        /switchboard_delivery_outbox_depth/,
        /switchboard_delivery_oldest_pending_age_seconds/,
        /switchboard_dead_letters_total/,
        /switchboard_dead_letters_unreplayed/,
        /switchboard_action_calls_total/
      ]) assert.match(text, needed)
    }))
})
