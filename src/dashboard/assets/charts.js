// One uPlot volume chart per shown connector (ingested as bars, failed as a line), kept across refreshes.
import uPlot from "./uPlot.esm.js"
import * as F from "./format.js"
import { h } from "./render.js"

const PERIODS = {
  "24h": { step: 3600, buckets: 24, unit: "hour" },
  "7d": { step: 3600, buckets: 168, unit: "hour" },
  "30d": { step: 86400, buckets: 30, unit: "day" }
}

export const periodInfo = (period) => PERIODS[period] ?? PERIODS["24h"]

const HEIGHT = 190
const charts = new Map()

const utcLabel = (seconds, step) => {
  const iso = new Date(seconds * 1000).toISOString()
  return step >= 86400 ? `${iso.slice(0, 10)} UTC` : `${iso.slice(0, 16).replace("T", " ")} UTC`
}

/**
 * Buckets on a full, gap-free window ending at the server's current bucket (missing buckets count as zero),
 * widened if the API returned buckets outside it.
 */
export const toSeries = (timeseries, period, nowMs) => {
  const { step, buckets } = periodInfo(period)
  const byBucket = new Map()
  for (const point of timeseries) {
    const ms = F.parseTime(point.bucket)
    if (ms === null) continue
    byBucket.set(Math.floor(ms / 1000 / step) * step, point)
  }
  const known = [...byBucket.keys()]
  const end = Math.max(Math.floor(nowMs / 1000 / step) * step, ...known)
  const start = Math.min(end - (buckets - 1) * step, ...known)
  const xs = []
  const ingested = []
  const failed = []
  for (let x = start; x <= end; x += step) {
    const point = byBucket.get(x)
    xs.push(x)
    ingested.push(Number(point?.messages_ingested ?? 0))
    failed.push(Number(point?.messages_failed ?? 0))
  }
  return [xs, ingested, failed]
}

/** Midnight UTC shows the date ("11-20"), any other tick the UTC time ("14:00"). */
const tickLabel = (seconds) => {
  const iso = new Date(seconds * 1000).toISOString()
  return iso.slice(11, 16) === "00:00" ? iso.slice(5, 10) : iso.slice(11, 16)
}

const options = (width, unit, step) => ({
  width,
  height: HEIGHT,
  tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
  cursor: { points: { size: 6 } },
  scales: {
    // half a bucket of room on each side so the first and last bars are drawn whole
    x: { time: true, range: (u, min, max) => [min - step / 2, max + step / 2] },
    y: { range: (u, min, max) => [0, Math.max(5, max * 1.1)] }
  },
  legend: { live: true },
  series: [
    { label: "Time (UTC)", value: (u, ts) => (ts == null ? "–" : utcLabel(ts, step)) },
    {
      label: `Ingested / ${unit}`,
      stroke: "#2563eb",
      fill: "rgba(37, 99, 235, 0.35)",
      width: 1,
      paths: uPlot.paths.bars({ size: [0.8, 40] }),
      points: { show: false },
      value: (u, v) => (v == null ? "–" : F.count(v))
    },
    {
      label: `Failed / ${unit}`,
      stroke: "#dc2626",
      width: 2,
      points: { show: true, size: 4, fill: "#dc2626" },
      value: (u, v) => (v == null ? "–" : F.count(v))
    }
  ],
  axes: [
    { stroke: "#475569", grid: { stroke: "#e2e8f0" }, ticks: { stroke: "#cbd5e1" }, values: (u, splits) => splits.map(tickLabel) },
    { stroke: "#475569", label: `messages / ${unit}`, size: 56, grid: { stroke: "#e2e8f0" }, ticks: { stroke: "#cbd5e1" } }
  ]
})

const summaryLine = (summary) =>
  h(
    "p",
    { class: "chart-summary" },
    h("span", {}, h("strong", {}, F.count(summary.messages_ingested)), " ingested"),
    h("span", {}, h("strong", {}, F.count(summary.messages_failed)), " failed"),
    h("span", {}, "error rate ", h("strong", {}, F.percent(summary.error_rate_pct))),
    h("span", {}, "uptime ", h("strong", {}, F.percent(summary.uptime_pct))),
    h("span", {}, h("strong", {}, F.rate(summary.avg_messages_per_hour)), " messages / hour on average")
  )

const chartWidth = (panel) => Math.max(280, panel.clientWidth - 24)

const destroy = (key) => {
  const entry = charts.get(key)
  if (entry === undefined) return
  entry.plot?.destroy()
  entry.panel.remove()
  charts.delete(key)
}

/**
 * Shows a chart panel for each `shown` connector (in order) with its stats result, `{ stats }` or `{ error }`;
 * panels of connectors no longer shown are removed.
 */
export const syncCharts = (container, shown, results, period, nowMs) => {
  const keys = new Set(shown.map((c) => c.key))
  for (const key of [...charts.keys()]) if (!keys.has(key)) destroy(key)
  const { step, unit } = periodInfo(period)
  for (const { key, label } of shown) {
    let entry = charts.get(key)
    if (entry === undefined) {
      const body = h("div", { class: "chart-body" })
      const status = h("div", { class: "chart-status" })
      const panel = h("figure", { class: "chart", "data-connector": key }, h("figcaption", {}, label), status, body)
      entry = { panel, body, status, plot: null, period: null }
      charts.set(key, entry)
    }
    container.append(entry.panel)
    const result = results.get(key)
    if (result === undefined || result.error !== undefined) {
      entry.status.replaceChildren(h("p", { class: "inline-error" }, `Statistics unavailable: ${result?.error ?? "not loaded"}`))
      continue
    }
    const data = toSeries(result.stats.timeseries ?? [], period, nowMs)
    const hasData = data[1].some((v) => v > 0) || data[2].some((v) => v > 0)
    entry.status.replaceChildren(summaryLine(result.stats.summary ?? {}))
    if (!hasData) entry.status.append(h("p", { class: "empty" }, "No messages in this period (statistics are rolled up every hour at :05)."))
    entry.panel.dataset.buckets = String(data[0].length)
    entry.panel.dataset.total = String(data[1].reduce((a, b) => a + b, 0))
    if (entry.plot === null || entry.period !== period) {
      entry.plot?.destroy()
      entry.body.replaceChildren()
      entry.plot = new uPlot(options(chartWidth(entry.panel), unit, step), data, entry.body)
      entry.period = period
    } else {
      entry.plot.setData(data)
    }
  }
}

/** Fits every chart to its panel's width (after a window resize). */
export const resizeCharts = () => {
  for (const entry of charts.values()) {
    if (entry.plot === null) continue
    const width = chartWidth(entry.panel)
    if (Math.abs(entry.plot.width - width) > 2) entry.plot.setSize({ width, height: HEIGHT })
  }
}
