/**
 * The metric names the hub can export, read from the source: every `Metric.counter|gauge|histogram|summary|
 * frequency("name", …)` under src/ and layers/, expanded to the series names Prometheus sees (a counter with
 * `_total`, a histogram's `_bucket`/`_sum`/`_count`), plus the per-connector families that the /metrics route
 * renders itself (src/metrics/ConnectorSeries.ts; test/ops/MetricsFormat.test.ts scrapes them for real).
 */
import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import * as ConnectorSeries from "../../../src/metrics/ConnectorSeries.js"

const ROOT = new URL("../../../", import.meta.url).pathname

/** Per-connector families the /metrics route renders from the connector registry (issue 13 contract). */
export const connectorFamilies: ReadonlyArray<string> = [
  ConnectorSeries.DEGRADATIONS,
  ConnectorSeries.RATE_LIMIT_WAIT,
  ConnectorSeries.LAST_HEARTBEAT,
  ConnectorSeries.CHECKPOINT_UPDATED,
  ConnectorSeries.LAST_SUBMISSION
]

const DECLARATION = /Metric\.(counter|gauge|histogram|summary|frequency)\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/g

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []
  )

const seriesOf = (type: string, name: string): ReadonlyArray<string> => {
  switch (type) {
    case "counter":
    case "frequency":
      return [name.endsWith("_total") ? name : `${name}_total`]
    case "histogram":
      return [`${name}_bucket`, `${name}_sum`, `${name}_count`]
    case "summary":
      return [name, `${name}_sum`, `${name}_count`]
    default:
      return [name]
  }
}

/** Every series name the hub's metrics can have. */
export const exported = Effect.sync(() => {
  const names = new Set<string>(connectorFamilies)
  for (const file of [...sources(join(ROOT, "src")), ...sources(join(ROOT, "layers"))]) {
    for (const m of readFileSync(file, "utf8").matchAll(DECLARATION)) {
      for (const series of seriesOf(m[1]!, m[2]!)) names.add(series)
    }
  }
  return names
})

/** The `switchboard_*` metric names a text (PromQL, a rule file, a dashboard) mentions. */
export const mentioned = (text: string): ReadonlySet<string> =>
  new Set([...text.matchAll(/\bswitchboard_[a-zA-Z0-9_:]+/g)].map((m) => m[0]))

/** A file of the repository, as text. */
export const repoFile = (path: string) => Effect.sync(() => readFileSync(join(ROOT, path), "utf8"))

/** The repository root (for running tools in a folder of it). */
export const repoRoot = ROOT
