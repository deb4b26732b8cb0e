/**
 * Renders Effect metric snapshots in the Prometheus text exposition format 0.0.4 (pure).
 * Names and label names are sanitised to [a-zA-Z_:][a-zA-Z0-9_:]*; counters get a `_total`
 * suffix when they lack one; a frequency becomes a counter labelled `key`; a summary keeps its
 * quantiles. A name registered with two different metric types is rendered once (the first type)
 * and reported in `skipped`.
 *
 * Kept hand-written (issue 13 asked for a kept library if one serves). Effect's metric registry is the
 * source of truth, so a library would have to read it:
 * - prom-client keeps a registry of its own metric objects and cannot read Effect's; every Effect metric
 *   would be re-created as a custom collector at each scrape (histogram buckets included, which prom-client
 *   fills only through observe()), so the mapping below would stay ours and the library would only escape
 *   three characters.
 * - @opentelemetry/exporter-prometheus can read it through @effect/opentelemetry's Metrics producer (over
 *   Metric.unsafeSnapshot), but its output differs from what dashboards and alerts query: by default every
 *   sample gains an otel_scope_name label and a target_info family appears (every series changes identity);
 *   every family gets a "# UNIT <name> 1" line (Effect metrics carry no unit); a name registered with two
 *   metric types is merged into one family of the first type instead of being reported; a summary becomes a
 *   gauge `<name>_quantiles` with quantile="min"/"max" samples. It would put two 0.x (experimental) packages
 *   on the scrape path, and would still not cover the per-connector series (ConnectorSeries.ts), which are
 *   registry totals no Effect counter can hold.
 * What must be right here is small and pinned by tests that run `promtool check metrics` on the output:
 * test/stats/Prometheus.test.ts, test/stats/Metrics.test.ts and test/ops/MetricsFormat.test.ts (a real
 * hub's scrape after traffic, hostile label values, no lint problem).
 */
import type { MetricKey, MetricPair } from "effect"
import { MetricKeyType, MetricState, Option } from "effect"

type Labels = ReadonlyArray<readonly [string, string]>

interface Sample {
  readonly suffix: string
  readonly labels: Labels
  readonly value: number
}

interface Family {
  readonly name: string
  readonly type: "counter" | "gauge" | "histogram" | "summary"
  readonly help: string
  readonly samples: Array<Sample>
}

const sanitize = (name: string): string => {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, "_")
  return /^[a-zA-Z_:]/.test(s) ? s : `_${s}`
}

const labelName = (name: string): string => sanitize(name).replace(/:/g, "_")

/** A label value in the text format: backslash, line feed and double quote escaped. */
export const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, "\\\"")
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const formatValue = (n: number): string =>
  Number.isNaN(n) ? "NaN" : n === Infinity ? "+Inf" : n === -Infinity ? "-Inf" : String(n)

/** A repeated label name keeps its last value (Metric.tagged twice with one key). */
const formatLabels = (labels: Labels): string => {
  if (labels.length === 0) return ""
  const unique = new Map(labels.map(([k, v]) => [labelName(k), v]))
  return `{${[...unique].map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`
}

const num = (v: number | bigint): number => (typeof v === "bigint" ? Number(v) : v)

const typeOf = (key: MetricKey.MetricKey.Untyped): Family["type"] | undefined =>
  MetricKeyType.isCounterKey(key.keyType) || MetricKeyType.isFrequencyKey(key.keyType)
    ? "counter"
    : MetricKeyType.isGaugeKey(key.keyType)
    ? "gauge"
    : MetricKeyType.isHistogramKey(key.keyType)
    ? "histogram"
    : MetricKeyType.isSummaryKey(key.keyType)
    ? "summary"
    : undefined

const samplesOf = (state: MetricState.MetricState.Untyped, tags: Labels): ReadonlyArray<Sample> => {
  if (MetricState.isHistogramState(state)) {
    const buckets = state.buckets.map(([le, count]): Sample => ({
      suffix: "_bucket",
      labels: [...tags, ["le", formatValue(le)]],
      value: count
    }))
    const hasInf = state.buckets.some(([le]) => le === Infinity)
    return [
      ...buckets,
      ...(hasInf ? [] : [{ suffix: "_bucket", labels: [...tags, ["le", "+Inf"]] as Labels, value: state.count }]),
      { suffix: "_sum", labels: tags, value: state.sum },
      { suffix: "_count", labels: tags, value: state.count }
    ]
  }
  if (MetricState.isSummaryState(state)) {
    return [
      ...state.quantiles.flatMap(([quantile, value]) =>
        Option.isSome(value) ? [{ suffix: "", labels: [...tags, ["quantile", String(quantile)]] as Labels, value: value.value }] : []
      ),
      { suffix: "_sum", labels: tags, value: state.sum },
      { suffix: "_count", labels: tags, value: state.count }
    ]
  }
  if (MetricState.isFrequencyState(state)) {
    return [...state.occurrences.entries()].map(([key, n]) => ({ suffix: "", labels: [...tags, ["key", key]] as Labels, value: n }))
  }
  if (MetricState.isCounterState(state)) return [{ suffix: "", labels: tags, value: num(state.count) }]
  if (MetricState.isGaugeState(state)) return [{ suffix: "", labels: tags, value: num(state.value) }]
  return []
}

export interface Rendered {
  readonly text: string
  /** metric names left out because the name was already used by a metric of another type */
  readonly skipped: ReadonlyArray<string>
}

export const render = (pairs: ReadonlyArray<MetricPair.MetricPair.Untyped>): Rendered => {
  const families = new Map<string, Family>()
  const skipped = new Set<string>()
  for (const pair of pairs) {
    const type = typeOf(pair.metricKey)
    if (type === undefined) {
      skipped.add(pair.metricKey.name)
      continue
    }
    const base = sanitize(pair.metricKey.name)
    const name = type === "counter" && !base.endsWith("_total") ? `${base}_total` : base
    const family = families.get(name) ?? {
      name,
      type,
      help: Option.getOrElse(pair.metricKey.description, () => name),
      samples: []
    }
    if (family.type !== type) {
      skipped.add(pair.metricKey.name)
      continue
    }
    const tags: Labels = pair.metricKey.tags.map((t) => [t.key, t.value] as const)
    family.samples.push(...samplesOf(pair.metricState, tags))
    families.set(name, family)
  }
  const lines: Array<string> = []
  for (const f of [...families.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
    for (const s of f.samples) lines.push(`${f.name}${s.suffix}${formatLabels(s.labels)} ${formatValue(s.value)}`)
  }
  return { text: lines.length === 0 ? "" : `${lines.join("\n")}\n`, skipped: [...skipped] }
}
