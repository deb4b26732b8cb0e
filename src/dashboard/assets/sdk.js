// The "SDK connectors" panel: the registry (`/sdk/connectors`) joined with each connector's circuit
// breaker (`/sdk/connectors/health`). Ids come from the registry: text nodes and attributes only, never innerHTML.
import { h } from "./render.js"

const BUILTIN_PREFIX = "builtin:"
/**
 * The faces of the connectors the hub ships, as their definitions declare them (src/connectors/…); the
 * registry does not say, so another module shows none and an unlisted built-in shows just "built-in".
 */
const BUILTIN_FACES = new Map([
  ["sandbox", ["source", "resources"]],
  ["telegram", ["source", "actions"]],
  ["gmail", ["source"]],
  ["outlook", ["resources"]],
  ["slack", ["actions"]],
  ["notion", ["actions"]],
  ["sheets", ["actions"]],
  ["email", ["actions"]]
])
const BREAKERS = new Set(["closed", "open", "half_open"])

const facesOf = (entry) => {
  const module = typeof entry.module === "string" ? entry.module : ""
  if (!module.startsWith(BUILTIN_PREFIX)) return h("span", { class: "muted", title: module }, "module (faces not known)")
  const faces = BUILTIN_FACES.get(module.slice(BUILTIN_PREFIX.length))
  return faces === undefined ? h("span", { class: "muted" }, "built-in") : `built-in · ${faces.join(", ")}`
}

const breakerCell = (health) => {
  if (health === undefined) {
    return h("td", {}, h("span", { class: "badge breaker-closed", "data-breaker": "closed" }, "closed"), " / ok ",
      h("span", { class: "muted" }, "· no calls yet"))
  }
  const breaker = BREAKERS.has(health.breaker) ? health.breaker : "unknown"
  const ok = health.health === "ok" && breaker === "closed"
  const failures = typeof health.consecutive_failures === "number" ? health.consecutive_failures : 0
  return h(
    "td",
    {},
    h("span", { class: `badge breaker-${breaker}`, "data-breaker": breaker }, breaker.replace("_", "-")),
    " / ",
    h("span", { class: ok ? "" : "health-degraded", "data-health": ok ? "ok" : "degraded" }, ok ? "ok" : "degraded"),
    failures > 0 ? h("span", { class: "muted" }, ` · ${failures} consecutive failure${failures === 1 ? "" : "s"}`) : null
  )
}

/** One row per registered connector (and per breaker of a connector no longer registered). */
export const renderSdkConnectors = (target, registry, health) => {
  const byId = new Map(health.filter((x) => typeof x?.connector_id === "string").map((x) => [x.connector_id, x]))
  const entries = registry.filter((e) => typeof e?.connector_id === "string")
  const ids = new Set(entries.map((e) => e.connector_id))
  const orphans = [...byId.keys()].filter((id) => !ids.has(id)).map((id) => ({ connector_id: id, orphan: true }))
  const all = [...entries, ...orphans]
  if (all.length === 0) {
    target.replaceChildren(h("p", { class: "empty" }, "No SDK connectors are registered."))
    return
  }
  const rows = all.map((e) => {
    const state = byId.get(e.connector_id)
    const degraded = state !== undefined && (state.breaker === "open" || state.breaker === "half_open" || state.health !== "ok")
    return h(
      "tr",
      { "data-connector-id": e.connector_id, class: degraded ? "sdk-degraded" : null },
      h("th", { scope: "row", class: "nowrap" }, e.connector_id),
      h("td", {}, e.orphan ? h("span", { class: "muted" }, "not registered") : e.enabled === true ? "enabled" : h("span", { class: "muted" }, "disabled")),
      h("td", {}, e.orphan ? "–" : facesOf(e)),
      breakerCell(state)
    )
  })
  target.replaceChildren(
    h(
      "table",
      { class: "log", id: "sdk-table" },
      h("thead", {}, h("tr", {}, ...["Connector", "Status", "Faces", "Breaker / health"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...rows)
    )
  )
}

/** The panel when the token may not read the registry (no ranked role). */
export const renderSdkDenied = (target, message) =>
  target.replaceChildren(h("p", { class: "empty", "data-sdk": "denied" },
    `This token may not read the SDK connector registry (${message}). It needs a ranked role: viewer or higher.`))
