// Rendering of the summary, the connector cards, the fan-out matrix and the error log (no innerHTML with data).
import * as F from "./format.js"

/** Creates an element: h("p", { class: "x" }, "text", child, …). */
export const h = (tag, attributes = {}, ...children) => {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue
    element.setAttribute(name, value === true ? "" : String(value))
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    element.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return element
}

/** The stable key of a connector: "type/identity". */
export const keyOf = (c) => `${c.connector_type}/${c.endpoint_identity}`

const LIVENESS = new Set(["online", "stale", "offline", "unknown"])
const STATES = new Set(["healthy", "degraded", "error"])

export const livenessBadge = (liveness) => {
  const known = LIVENESS.has(liveness) ? liveness : "unknown"
  return h("span", { class: `badge badge-${known}`, "data-liveness": known }, known)
}

export const stateBadge = (state) => {
  const known = STATES.has(state) ? state : "unknown"
  return h("span", { class: `badge state-${known}`, "data-state": known }, typeof state === "string" ? state : "no heartbeat yet")
}

const empty = (text) => h("p", { class: "empty" }, text)

/** The overview strip from `/api/connectors/summary`. */
export const renderSummary = (target, summary) => {
  const item = (label, value, hint) => [h("div", { class: "stat" }, h("dt", {}, label), h("dd", {}, value, hint ? h("small", {}, hint) : null))]
  target.replaceChildren(
    ...item("Connectors", F.count(summary.total_connectors)),
    ...item("Online", F.count(summary.connectors_online)),
    ...item("Stale", F.count(summary.connectors_stale)),
    ...item("Offline", F.count(summary.connectors_offline)),
    ...item("Messages ingested", F.count(summary.total_messages_ingested)),
    ...item("Messages failed", F.count(summary.total_messages_failed)),
    ...item("Error rate", F.percent(summary.overall_error_rate_pct), "failed ÷ (ingested + failed)")
  )
}

const field = (label, value, extra = {}) => h("div", { class: "field", ...extra }, h("dt", {}, label), h("dd", {}, value))

/** "hub: 12 accepted, 1 duplicate, 0 rejected" — what the hub itself counted today, beside the heartbeat's claims. */
export const hubText = (hub) =>
  hub !== null && typeof hub === "object"
    ? `hub: ${F.count(hub.accepted)} accepted, ${F.count(hub.duplicate)} duplicate, ${F.count(hub.rejected)} rejected`
    : "hub: not counted"

/** Said in words, not only in colour: the heartbeat claims more messages today than the hub accepted. */
const claimsNote = (c) =>
  c.claims_exceed_hub === true
    ? h(
      "p",
      { class: "card-claims", "data-claims": "exceeds" },
      h("span", { class: "badge badge-claims" }, "claims exceed hub"),
      ` heartbeat: ${F.count(c.today?.messages_ingested)} ingested today; hub: ${F.count((c.hub?.accepted ?? 0) + (c.hub?.duplicate ?? 0))} accepted or duplicate`
    )
    : null

/**
 * One card per connector from `/api/connectors`. Each card has a "Degradations and details" disclosure;
 * `details.open` holds the keys shown open, and `details.onToggle(connector, open, body)` is called whenever
 * one opens or closes (also for the ones rendered open), so the caller can load the detail into `body`.
 */
export const renderCards = (target, connectors, nowMs, details = { open: new Set(), onToggle: () => {} }) => {
  if (connectors.length === 0) {
    target.replaceChildren(
      empty("No connectors have reported yet. A connector appears here after its first heartbeat to the hub.")
    )
    return
  }
  target.replaceChildren(...connectors.map((c) => {
    const today = c.today ?? {}
    const title = h(
      "h3",
      { class: "card-title" },
      h("span", { class: "card-type" }, c.connector_type),
      h("span", { class: "card-identity", title: c.endpoint_identity }, c.endpoint_identity)
    )
    const heard = h("time", { datetime: c.last_heartbeat_at ?? "", title: F.utc(c.last_heartbeat_at) }, F.age(c.last_heartbeat_at, nowMs))
    const submitted = h("time", { datetime: c.last_submission_at ?? "", title: F.utc(c.last_submission_at) }, F.age(c.last_submission_at, nowMs))
    const body = h("div", { class: "card-detail-body", "data-detail-body": keyOf(c) }, h("p", { class: "muted" }, "Loading…"))
    const disclosure = h("details", { class: "card-details", "data-details": keyOf(c) }, h("summary", {}, "Degradations and details"), body)
    disclosure.addEventListener("toggle", () => details.onToggle(c, disclosure.open, body))
    // set after the listener: opening fires "toggle", which loads the detail
    if (details.open.has(keyOf(c))) disclosure.open = true
    return h(
      "article",
      { class: `card card-${LIVENESS.has(c.liveness) ? c.liveness : "unknown"}`, "data-connector": keyOf(c) },
      h("header", { class: "card-head" }, title, livenessBadge(c.liveness)),
      h(
        "dl",
        { class: "fields" },
        field("Health", stateBadge(c.state)),
        field("Last heartbeat", heard, { "data-field": "age" }),
        field("Messages today", F.count(today.messages_ingested), { "data-field": "messages" }),
        field("Failed today", F.count(today.messages_failed), { "data-field": "failed" }),
        field("Hub counted today", hubText(c.hub), {
          class: "field field-wide",
          "data-field": "hub",
          title: "envelopes the hub itself answered for this source today (not reported by the connector)"
        }),
        field("Uptime today", F.percent(today.uptime_pct), { "data-field": "uptime" }),
        field("Last submission", submitted, {
          "data-field": "submission",
          title: "when the hub last accepted an event from this connector (new or duplicate)"
        }),
        field("Degradations", F.count(c.degradations_total), {
          "data-field": "degradations",
          class: Number(c.degradations_total) > 0 ? "field field-warn" : "field",
          title: "media failures, skipped attachments, rate limits, cursor resets, … counted since the connector first reported them"
        }),
        field("Process up", F.duration(c.uptime_s)),
        c.runner ? field("Runs on", c.runner, { "data-field": "runner", title: "the hub that runs this hosted connector (cluster singleton)" }) : null,
        field("Version", c.version ?? "–")
      ),
      claimsNote(c),
      c.error_message ? h("p", { class: "card-error", title: "last error reported by the connector" }, c.error_message) : null,
      disclosure
    )
  }))
}

/** What each degradation kind means, in the order shown. */
const DEGRADATION_KINDS = [
  ["media_failures", "Media download or storage failures"],
  ["rate_limited", "Source rate limits (429)"],
  ["rate_limit_wait_s", "Seconds waited on rate limits"],
  ["cursor_resets", "Cursor resets (cursor too old)"],
  ["gap_fills", "Gap fills (full re-syncs)"],
  ["oauth_refresh_failures", "OAuth refresh failures"],
  ["dead_lettered", "Events dead-lettered"],
  ["checkpoint_save_failures", "Checkpoint save failures"],
  ["checkpoint_corrupt", "Corrupt checkpoint at start"]
]

const countOf = (counts, kind) => (counts !== null && typeof counts === "object" ? counts[kind] : undefined)

const reasonsOf = (counts) =>
  counts !== null && typeof counts === "object" && counts.attachments_skipped !== null && typeof counts.attachments_skipped === "object"
    ? Object.keys(counts.attachments_skipped)
    : []

/** The detail of one connector (`/api/connectors/{type}/{identity}`): submission, checkpoint and degradation table. */
export const renderDetail = (target, d, nowMs) => {
  const when = (iso) => h("time", { datetime: iso ?? "", title: F.age(iso, nowMs) }, F.utc(iso))
  const totals = d.degradation_totals ?? {}
  const current = d.degradation ?? null
  const row = (kind, label, total, now) =>
    h(
      "tr",
      { "data-kind": kind },
      h("th", { scope: "row" }, label),
      h("td", { class: Number(total) > 0 ? "num warn" : "num", "data-total": "" }, F.count(total)),
      h("td", { class: "num", "data-current": "" }, current === null ? "–" : F.count(now ?? 0))
    )
  const reasons = [...new Set([...reasonsOf(totals), ...reasonsOf(current)])].sort()
  const rows = [
    ...DEGRADATION_KINDS.map(([kind, label]) => row(kind, label, countOf(totals, kind) ?? 0, countOf(current, kind))),
    ...reasons.map((reason) =>
      row(`attachments_skipped.${reason}`, `Attachments skipped: ${reason}`, totals.attachments_skipped?.[reason] ?? 0, current?.attachments_skipped?.[reason]))
  ]
  target.replaceChildren(
    h(
      "dl",
      { class: "fields" },
      field("Last successful submission", when(d.last_submission_at), { class: "field field-wide", "data-field": "last-submission" }),
      field("Checkpoint updated", when(d.checkpoint?.updated_at ?? null), { class: "field field-wide", "data-field": "checkpoint" }),
      field("Instance", d.instance_id ?? "–", { class: "field field-wide", "data-field": "instance" })
    ),
    h(
      "table",
      { class: "log degradations", "data-degradations": keyOf(d) },
      h("caption", {}, current === null ? "degradations (this connector reports none itself)" : "degradations"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Kind"), h("th", { scope: "col" }, "Since first report"), h("th", { scope: "col" }, "This instance"))),
      h("tbody", {}, ...rows)
    )
  )
}

/** The detail could not be loaded: said in the card, the rest of the page stays. */
export const renderDetailFailed = (target, message) =>
  target.replaceChildren(h("p", { class: "card-error" }, `Could not load the details: ${message}`))

/** The connectors × targets matrix from `/api/connectors/fanout`, with totals and a heat shade per cell. */
export const renderFanout = (target, rows, meta) => {
  const from = F.parseTime(meta.from)
  const to = F.parseTime(meta.to)
  const span = from === null || to === null
    ? ""
    : `, ${F.day(meta.from)} to ${F.day(new Date(to - 1).toISOString())} (UTC days)`
  const targets = [...new Set(rows.flatMap((r) => Object.keys(r.targets ?? {})))].sort()
  if (rows.length === 0 || targets.length === 0) {
    target.replaceChildren(empty("Nothing has been routed to a target in this period."))
    return
  }
  const value = (row, t) => Number(row.targets?.[t] ?? 0)
  const max = Math.max(1, ...rows.flatMap((r) => targets.map((t) => value(r, t))))
  const head = h("tr", {}, h("th", { scope: "col" }, "Connector \\ target"), ...targets.map((t) => h("th", { scope: "col" }, t)), h("th", { scope: "col" }, "Total"))
  const body = rows.map((r) => {
    const cells = targets.map((t) => {
      const n = value(r, t)
      const cell = h("td", { class: n === 0 ? "num zero" : "num", "data-target": t }, F.count(n))
      cell.style.setProperty("--heat", String(n / max))
      return cell
    })
    const total = targets.reduce((sum, t) => sum + value(r, t), 0)
    return h("tr", { "data-connector": keyOf(r) }, h("th", { scope: "row" }, keyOf(r)), ...cells, h("td", { class: "num total" }, F.count(total)))
  })
  const totals = h(
    "tr",
    { class: "totals" },
    h("th", { scope: "row" }, "Total"),
    ...targets.map((t) => h("td", { class: "num total" }, F.count(rows.reduce((sum, r) => sum + value(r, t), 0)))),
    h("td", { class: "num total" }, F.count(rows.reduce((sum, r) => sum + targets.reduce((s, t) => s + value(r, t), 0), 0)))
  )
  target.replaceChildren(
    h("table", { class: "matrix", id: "fanout-matrix" }, h("caption", {}, `messages per connector and target${span}`), h("thead", {}, head), h("tbody", {}, ...body, totals))
  )
}

/** The recent non-healthy heartbeats from `/api/connectors/errors`. */
export const renderErrors = (target, errors, nowMs) => {
  if (errors.length === 0) {
    target.replaceChildren(empty("No errors: every recent heartbeat reported healthy."))
    return
  }
  const rows = errors.map((e) =>
    h(
      "tr",
      { "data-connector": keyOf(e) },
      h("td", { class: "nowrap" }, h("time", { datetime: e.received_at, title: F.age(e.received_at, nowMs) }, F.utcPlain(e.received_at))),
      h("td", { class: "nowrap" }, keyOf(e)),
      h("td", {}, stateBadge(e.state)),
      h("td", { class: "message" }, e.error_message ?? h("span", { class: "muted" }, "(no message)"))
    )
  )
  target.replaceChildren(
    h(
      "table",
      { class: "log", id: "error-log" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Time (UTC)"), h("th", { scope: "col" }, "Connector"), h("th", { scope: "col" }, "State"), h("th", { scope: "col" }, "Message"))),
      h("tbody", {}, ...rows)
    )
  )
}
