// The landing page: links to every page and the hub's status (/api/status, role viewer), refreshed every 15 s.
import * as Api from "./api.js"
import * as F from "./format.js"
import { $, badge, h } from "./dom.js"
import * as Shell from "./shell.js"

const REFRESH_MS = 15_000

const stat = (label, value, hint, key) =>
  h("div", { class: "stat", "data-stat": key }, h("dt", {}, label), h("dd", {}, value, hint ? h("small", {}, hint) : null))

const render = (status) => {
  $("status-badge").replaceChildren(badge(status.status, status.status === "ok" ? "ok" : "degraded"))
  const db = status.database ?? {}
  $("status").replaceChildren(
    stat("Database", db.reachable ? "reachable" : "unreachable", db.kind === "embedded" ? "embedded PostgreSQL" : "PostgreSQL", "database"),
    stat("Version", status.version ?? "–", null, "version"),
    stat("Uptime", F.duration(status.uptime_s), `since ${F.utc(status.started_at)}`, "uptime"),
    stat("In flight", F.count(status.in_flight), "ingest requests being processed", "in_flight"),
    stat("Delivery backlog", F.count(status.delivery_backlog), "pending deliveries, all targets", "delivery_backlog"),
    stat("Dead letters", F.count(status.dead_letters), "not replayed", "dead_letters")
  )
}

const load = async () => {
  const { data } = await Api.get("/api/status")
  render(data ?? {})
  $("updated").textContent = `Updated ${F.clockUtc(new Date())} · refreshes every ${REFRESH_MS / 1000} s`
}

Shell.start({ role: "viewer", load })
Shell.every(REFRESH_MS, load)
