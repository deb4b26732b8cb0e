// The request detail pane of /requests: facts, text, the payload as a collapsible JSON tree, attachments,
// and per target the delivery with every attempt as a timeline, with replay buttons. While open it is
// refreshed by the page's live loop; only the deliveries are redrawn, and the focus stays where it was.
import * as Api from "./api.js"
import * as F from "./format.js"
import { $, badge, empty, h, keepFocus, orDash } from "./dom.js"
import { jsonView } from "./json-tree.js"
import * as Shell from "./shell.js"

const RULES = {
  idempotency_key: "the envelope's idempotency key",
  external_event_id: "the source's event id",
  content_hash: "a hash of the content"
}

let current = null
/** Called with the request id when the pane closes (the page puts the focus back on its row). */
let closed = () => {}

const when = (iso) =>
  iso === null || iso === undefined ? "–" : h("time", { datetime: iso, title: F.utc(iso) }, F.utcPlain(iso))

const facts = (pairs) =>
  h("dl", { class: "facts" }, ...pairs.filter(Boolean).flatMap(([label, value, key]) => [
    h("dt", {}, label),
    h("dd", { "data-fact": key }, value)
  ]))

export const stateLabel = (state) => String(state ?? "unknown").replaceAll("_", " ")

export const lifecycleBadge = (state) =>
  h("span", { class: `badge badge-${state}`, "data-lifecycle": state }, stateLabel(state))

const replay = async (targets) => {
  const output = $("replay-output")
  const id = current?.request_id
  if (id === undefined) return
  try {
    const { data } = await Api.post(`/api/requests/${Api.segment(id)}/replay`, targets === undefined ? {} : { targets })
    const lines = (data.deliveries ?? []).map((d) =>
      d.result === "replayed"
        ? `Replayed to ${d.target} (webhook-id ${d.webhook_id}, the same as before).`
        : `${d.target}: a delivery is already pending, nothing added.`)
    Shell.report(output, lines.length === 0 ? "Nothing to replay: the request has no targets." : lines.join("\n"))
    await refresh()
  } catch (error) {
    Shell.report(output, error)
  }
}

const attemptItem = (a) =>
  h(
    "li",
    { "data-attempt": a.attempt, "data-outcome": a.outcome, "data-status": a.status ?? "" },
    h("strong", {}, `Attempt ${a.attempt}`),
    " · ",
    when(a.attempted_at),
    " · ",
    a.status === null ? "no answer" : `HTTP ${a.status}`,
    a.latency_ms === null ? "" : ` · ${F.count(a.latency_ms)} ms`,
    " ",
    badge(a.outcome),
    a.error ? h("span", { class: "error" }, a.error) : null,
    a.next_attempt_at ? h("span", { class: "muted" }, " next attempt ", when(a.next_attempt_at)) : null
  )

const deliveryCard = (d) =>
  h(
    "article",
    { class: "delivery", "data-target": d.target, "data-status": d.status },
    h(
      "div",
      { class: "delivery-head" },
      h("h4", {}, d.target),
      badge(stateLabel(d.status), d.status),
      d.paused ? badge("paused") : null,
      h("button", {
        type: "button",
        "data-focus-key": `replay:${d.target}`,
        "data-replay-target": d.target,
        onclick: () => replay([d.target])
      }, `Replay to ${d.target}`)
    ),
    facts([
      ["Webhook id", h("span", { class: "id" }, d.webhook_id), "webhook_id"],
      ["Attempts", F.count(d.attempts), "attempts"],
      d.next_attempt_at ? ["Next attempt", when(d.next_attempt_at), "next_attempt_at"] : null,
      d.paused ? ["Held", "the target is paused: this delivery waits until it is resumed", "held"] : null,
      ["Last answer", d.last_status === null ? "–" : `HTTP ${d.last_status}`, "last_status"],
      d.delivered_at ? ["Delivered", when(d.delivered_at), "delivered_at"] : null,
      d.last_error ? ["Last error", d.last_error, "last_error"] : null
    ]),
    d.history.length === 0
      ? empty("No attempt yet.")
      : h("ol", { class: "timeline", "aria-label": `Attempts to ${d.target}, oldest first` }, ...d.history.map(attemptItem)),
    d.history_truncated ? h("p", { class: "help" }, "Older attempts are left out: the newest are shown.") : null
  )

const renderDeliveries = () => {
  const container = $("deliveries")
  if (container === null || current === null) return
  keepFocus(container, () => {
    container.replaceChildren(...(current.deliveries.length === 0
      ? [empty("No deliveries: no route sent this request to a target.")]
      : current.deliveries.map(deliveryCard)))
  })
  const state = $("detail-lifecycle")
  if (state !== null) state.replaceChildren(lifecycleBadge(current.lifecycle_state))
}

const render = () => {
  const r = current
  const src = r.source ?? {}
  const derivation = r.dedupe ?? {}
  $("detail-heading").textContent = `Request from ${r.sender_identity}`
  $("detail-body").replaceChildren(
    facts([
      ["Request id", h("span", { class: "id" }, r.request_id), "request_id"],
      ["State", h("span", { id: "detail-lifecycle" }, lifecycleBadge(r.lifecycle_state)), "lifecycle"],
      ["Received", when(r.received_at), "received_at"],
      ["Observed", when(r.observed_at), "observed_at"],
      ["Source", `${src.channel} / ${src.provider} / ${src.endpoint_identity}`, "source"],
      ["Sender", r.sender_identity, "sender"],
      ["Event id", orDash(r.external_event_id), "external_event_id"],
      ["Thread", orDash(r.external_thread_id), "external_thread_id"],
      ["Dedupe key", h("span", { class: "id" }, r.dedupe_key), "dedupe_key"],
      ["Key derived from", `${RULES[derivation.rule] ?? orDash(derivation.rule)}: ${orDash(derivation.explanation)}`, "dedupe_rule"],
      ["Tiers", `policy ${orDash(r.policy_tier)}, ingestion ${orDash(r.ingestion_tier)}`, "tiers"]
    ]),
    h("h3", {}, "Text"),
    r.normalized_text === "" ? empty("(empty)") : h("pre", { class: "text-block", id: "detail-text" }, r.normalized_text),
    h("h3", {}, "Deliveries"),
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "button", id: "replay-all", onclick: () => replay(undefined) }, "Replay to all its targets")
    ),
    h("p", { id: "replay-output", class: "output", hidden: true }),
    h("div", { id: "deliveries" }),
    h("h3", {}, "Payload"),
    jsonView(r.raw, { id: "payload-tree" }),
    h("h3", {}, `Attachments (${r.attachments.length})`),
    r.attachments.length === 0 ? empty("None.") : jsonView(r.attachments, { id: "attachments-tree", openDepth: 1 }),
    h("details", {}, h("summary", {}, "Trace context"), jsonView(r.trace_context ?? null, { openDepth: 1 }))
  )
  renderDeliveries()
}

/** Opens `{ id }` or `{ key }` (a dedupe key) in the pane and moves the focus to it; answers the request id, or null. */
export const open = async (ref) => {
  const path = ref.key !== undefined
    ? `/api/requests/by-key/${Api.segment(ref.key)}`
    : `/api/requests/${Api.segment(ref.id)}`
  try {
    const { data } = await Api.get(path)
    current = data
    render()
  } catch (error) {
    if (!(error instanceof Api.ApiError) || (error.status !== 404 && error.status !== 400)) throw error
    current = null
    $("detail-heading").textContent = "Request not found"
    $("detail-body").replaceChildren(h("p", { class: "output inline-error" }, Api.describe(error)))
  }
  $("detail").hidden = false
  $("detail-heading").focus()
  return current?.request_id ?? null
}

/** Reads the open request again and redraws its deliveries when they changed. */
export const refresh = async () => {
  if (current === null || $("detail").hidden) return
  const before = current
  const { data } = await Api.get(`/api/requests/${Api.segment(before.request_id)}`)
  if (current !== before) return
  current = data
  if (JSON.stringify(data.deliveries) !== JSON.stringify(before.deliveries) || data.lifecycle_state !== before.lifecycle_state) {
    renderDeliveries()
  }
}

export const openId = () => ($("detail").hidden ? null : current?.request_id ?? null)

export const close = () => {
  const id = current?.request_id ?? null
  current = null
  $("detail").hidden = true
  $("detail-body").replaceChildren()
  closed(id)
}

/** Wires the close button and Escape; `onClose(id)` runs after the pane closed. */
export const init = (onClose) => {
  closed = onClose
  $("detail-close").addEventListener("click", close)
  $("detail").addEventListener("keydown", (event) => {
    if (event.key === "Escape") close()
  })
}
