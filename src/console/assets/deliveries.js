// The /deliveries page: backlog per target with pause/resume (GET /api/deliveries, role viewer), attempts
// per minute over the last hour (uPlot), and the dead letters with replay (role operator), every 5 s.
import * as Api from "./api.js"
import * as F from "./format.js"
import { $, badge, confirmButton, empty, h, keepFocus, table } from "./dom.js"
import * as Shell from "./shell.js"
import uPlot from "./uPlot.esm.js"

const REFRESH_MS = 5_000
const DEAD_PAGE = 50
const HEIGHT = 200

let overview = null
let deadFilter = {}
let dead = []
let deadCursor = null
let plot = null
/** What the tables show now, so a refresh that changed nothing leaves them (and an armed button) alone. */
const shown = { backlog: "", dead: "" }

const minuteLabel = (seconds) => `${new Date(seconds * 1000).toISOString().slice(11, 16)} UTC`

const chartOptions = (width) => ({
  width,
  height: HEIGHT,
  tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
  scales: {
    x: { time: true, range: (u, min, max) => [min - 30, max + 30] },
    y: { range: (u, min, max) => [0, Math.max(5, max * 1.1)] }
  },
  legend: { live: true },
  series: [
    { label: "Minute (UTC)", value: (u, ts) => (ts == null ? "–" : minuteLabel(ts)) },
    {
      label: "Delivered",
      stroke: "#15803d",
      fill: "rgba(21, 128, 61, 0.35)",
      width: 1,
      paths: uPlot.paths.bars({ size: [0.8, 30] }),
      points: { show: false },
      value: (u, v) => (v == null ? "–" : F.count(v))
    },
    { label: "Retry", stroke: "#b45309", width: 2, points: { show: false }, value: (u, v) => (v == null ? "–" : F.count(v)) },
    { label: "Dead", stroke: "#b91c1c", width: 2, points: { show: false }, value: (u, v) => (v == null ? "–" : F.count(v)) }
  ],
  axes: [
    { stroke: "#475569", grid: { stroke: "#e2e8f0" }, ticks: { stroke: "#cbd5e1" }, values: (u, splits) => splits.map((s) => minuteLabel(s).slice(0, 5)) },
    { stroke: "#475569", label: "attempts / minute", size: 56, grid: { stroke: "#e2e8f0" }, ticks: { stroke: "#cbd5e1" } }
  ]
})

const chartWidth = () => Math.max(240, $("attempts-chart").clientWidth - 8)

const renderChart = (minutes) => {
  const xs = []
  const delivered = []
  const retry = []
  const deadCounts = []
  for (const m of minutes) {
    const ms = F.parseTime(m.minute)
    if (ms === null) continue
    xs.push(Math.floor(ms / 1000))
    delivered.push(Number(m.delivered ?? 0))
    retry.push(Number(m.retry ?? 0))
    deadCounts.push(Number(m.dead ?? 0))
  }
  const sum = (xs) => xs.reduce((a, b) => a + b, 0)
  const figure = $("attempts-chart")
  figure.dataset.minutes = String(xs.length)
  figure.dataset.delivered = String(sum(delivered))
  figure.dataset.retry = String(sum(retry))
  figure.dataset.dead = String(sum(deadCounts))
  $("attempts-summary").textContent =
    `Last ${xs.length} minutes: ${F.count(sum(delivered))} delivered, ${F.count(sum(retry))} retried, ${F.count(sum(deadCounts))} dead.`
  const data = [xs, delivered, retry, deadCounts]
  if (plot === null) plot = new uPlot(chartOptions(chartWidth()), data, $("attempts-plot"))
  else plot.setData(data)
  const busy = minutes.filter((m) => m.delivered + m.retry + m.dead > 0)
  $("attempts-table").replaceChildren(busy.length === 0
    ? empty("No attempts in the last hour.")
    : table({
      id: "attempts-minutes",
      columns: [{ label: "Minute (UTC)" }, { label: "Delivered", className: "num" }, { label: "Retry", className: "num" }, { label: "Dead", className: "num" }],
      rows: busy.map((m) => ({ cells: [F.utcPlain(m.minute).slice(0, 16), F.count(m.delivered), F.count(m.retry), F.count(m.dead)] }))
    }))
}

const act = async (output, run) => {
  try {
    Shell.report(output, await run())
    await refresh()
  } catch (error) {
    Shell.report(output, error)
  }
}

const pauseOrResume = (t) => act($("backlog-output"), async () => {
  const { data } = await Api.post(`/api/targets/${Api.segment(t.target)}/${t.paused ? "resume" : "pause"}`)
  return t.paused
    ? `Resumed ${t.target}: ${F.count(data.deliveries)} held deliveries are due now.`
    : `Paused ${t.target}: ${F.count(data.deliveries)} pending deliveries held until it is resumed.`
})

const replayTarget = (t) => act($("backlog-output"), async () => {
  const { data } = await Api.post("/api/deadletters/replay", { target: t.target })
  return `Replayed ${F.count(data.replayed)} dead letter(s) of ${data.target}.`
})

const replayOne = (d) => act($("dead-output"), async () => {
  const { data } = await Api.post(`/api/deadletters/${Api.segment(d.id)}/replay`)
  return data.result === "replayed"
    ? `Replayed the dead letter to ${d.target} (webhook-id ${d.webhook_id}).`
    : `That dead letter was replayed before; nothing added.`
})

const renderBacklog = () => {
  const targets = overview.targets ?? []
  const total = (key) => targets.reduce((sum, t) => sum + Number(t[key] ?? 0), 0)
  const stat = (label, value, key) => h("div", { class: "stat", "data-stat": key }, h("dt", {}, label), h("dd", {}, value))
  $("totals").replaceChildren(
    stat("Pending", F.count(total("pending")), "pending"),
    stat("Retrying", F.count(total("retrying")), "retrying"),
    stat("Dead letters", F.count(total("dead_lettered")), "dead_lettered"),
    stat("Targets paused", F.count(targets.filter((t) => t.paused).length), "paused")
  )
  const now = F.parseTime(overview.generatedAt) ?? Date.now()
  const container = $("backlog")
  const key = JSON.stringify(targets)
  if (key === shown.backlog) return
  shown.backlog = key
  keepFocus(container, () => {
    container.replaceChildren(targets.length === 0
      ? empty("No targets yet: add one on the Targets page.")
      : table({
        id: "backlog-table",
        columns: [
          { label: "Target" },
          { label: "State" },
          { label: "Pending", className: "num" },
          { label: "Retrying", className: "num" },
          { label: "Dead-lettered", className: "num" },
          { label: "Oldest pending received" },
          { label: "Actions" }
        ],
        rows: targets.map((t) => ({
          attributes: { "data-target": t.target, "data-paused": String(t.paused) },
          cells: [
            h("strong", {}, t.target),
            badge(t.paused ? "paused" : "active"),
            h("span", { "data-count": "pending" }, F.count(t.pending)),
            h("span", { "data-count": "retrying" }, F.count(t.retrying)),
            h("span", { "data-count": "dead_lettered" }, F.count(t.dead_lettered)),
            t.oldest_pending_received_at === null
              ? "–"
              : h("time", { datetime: t.oldest_pending_received_at, title: F.age(t.oldest_pending_received_at, now) }, F.utc(t.oldest_pending_received_at)),
            h(
              "span",
              { class: "outcomes" },
              h("button", {
                type: "button",
                "data-focus-key": `pause:${t.target}`,
                "data-action": t.paused ? "resume" : "pause",
                onclick: () => pauseOrResume(t)
              }, t.paused ? "Resume" : "Pause"),
              t.dead_lettered > 0
                ? confirmButton({
                  label: "Replay dead letters",
                  confirmLabel: `Confirm: replay ${F.count(t.dead_lettered)}`,
                  focusKey: `replay-all:${t.target}`,
                  action: () => replayTarget(t)
                })
                : null
            )
          ]
        }))
      }))
  })
  const select = $("dead-target")
  const chosen = select.value
  select.replaceChildren(h("option", { value: "" }, "all targets"), ...targets.map((t) => h("option", { value: t.target }, t.target)))
  select.value = targets.some((t) => t.target === chosen) ? chosen : ""
}

const renderDead = () => {
  const container = $("dead")
  const key = JSON.stringify(dead)
  if (key === shown.dead && container.firstChild !== null) return
  shown.dead = key
  keepFocus(container, () => {
    container.replaceChildren(dead.length === 0
      ? empty("No dead letters.")
      : table({
        id: "dead-table",
        columns: [
          { label: "Dead at (UTC)", className: "nowrap" },
          { label: "Target" },
          { label: "Request" },
          { label: "Attempts", className: "num" },
          { label: "Last answer" },
          { label: "Last error" },
          { label: "Replay" }
        ],
        rows: dead.map((d) => ({
          attributes: { "data-dead-letter": d.id, "data-target": d.target },
          cells: [
            F.utcPlain(d.dead_at),
            d.target,
            h("a", { href: `/requests?id=${encodeURIComponent(d.request_id)}`, class: "id" }, d.request_id),
            F.count(d.attempts),
            d.last_status === null ? "no answer" : `HTTP ${d.last_status}`,
            h("span", { class: "preview" }, d.last_error),
            d.replayed_at !== null
              ? h("span", { class: "muted" }, `replayed ${F.utcPlain(d.replayed_at)}`)
              : h("button", { type: "button", "data-focus-key": `replay:${d.id}`, onclick: () => replayOne(d) }, "Replay")
          ]
        }))
      }))
  })
  $("dead-more").hidden = deadCursor === null
}

/** Dead letters need role operator: for a viewer the panel says so and the rest of the page still works. */
const loadDead = async (cursor) => {
  try {
    const { data, meta } = await Api.get(`/api/deadletters${Api.query({ ...deadFilter, limit: DEAD_PAGE, cursor })}`)
    dead = cursor === undefined ? data ?? [] : [...dead, ...(data ?? [])]
    deadCursor = meta.next_cursor ?? null
    renderDead()
  } catch (error) {
    if (!(error instanceof Api.ApiError) || (error.status !== 403 && error.status !== 400)) throw error
    dead = []
    deadCursor = null
    shown.dead = ""
    $("dead").replaceChildren(h("p", { class: "output inline-error" }, Api.describe(error)))
    $("dead-more").hidden = true
  }
}

const refresh = async () => {
  const { data, meta } = await Api.get("/api/deliveries")
  overview = { ...data, generatedAt: meta.generated_at }
  renderBacklog()
  renderChart(data.attempts_per_minute ?? [])
  // Newer dead letters on top; pages loaded with "older" stay until the filter changes.
  if (dead.length <= DEAD_PAGE) await loadDead(undefined)
  $("updated").textContent = `Updated ${F.clockUtc(new Date())} · refreshes every ${REFRESH_MS / 1000} s`
}

const start = () => {
  $("dead-filter").addEventListener("submit", (event) => {
    event.preventDefault()
    deadFilter = { target: $("dead-target").value, since: $("dead-since").value.trim() }
    dead = []
    void loadDead(undefined).then(() => Shell.announce(`${dead.length} dead letter(s) shown`)).catch(Shell.fail)
  })
  $("dead-more").addEventListener("click", () => void loadDead(deadCursor ?? undefined).catch(Shell.fail))
  window.addEventListener("resize", () => {
    if (plot !== null) plot.setSize({ width: chartWidth(), height: HEIGHT })
  })
  Shell.start({ role: "viewer", load: refresh })
  Shell.every(REFRESH_MS, refresh)
}

start()
