// The /requests page: the event log (GET /api/requests, role operator) with filters kept in the address
// (never the token), a live tail that adds new requests without a reload, older pages on demand, the
// detail pane, and bulk replay by filter with a dry-run count first.
import * as Api from "./api.js"
import * as F from "./format.js"
import { $, empty, h, keepFocus, table } from "./dom.js"
import * as Detail from "./request-detail.js"
import * as Shell from "./shell.js"

const TAIL_MS = 2_000
const PAGE = 50
/** Rows kept on screen at most (the oldest go first). */
const MAX_ROWS = 1_000
const FILTER_KEYS = ["q", "channel", "provider", "endpoint", "sender", "lifecycle", "since", "until"]

let filter = {}
let rows = new Map()
let order = []
let nextCursor = null
let fresh = new Set()
let bulkCursor = null

const listPath = (f, cursor) => `/api/requests${Api.query({ ...f, limit: PAGE, cursor })}`

const readForm = () =>
  Object.fromEntries(FILTER_KEYS.map((k) => [k, $(`f-${k}`).value.trim()]).filter(([, v]) => v !== ""))

const writeForm = (f) => {
  for (const k of FILTER_KEYS) $(`f-${k}`).value = f[k] ?? ""
}

/** The filter and the open request in the address, so a view can be shared (never the token). */
const syncAddress = () => {
  window.history.replaceState(null, "", `/requests${Api.query({ ...filter, id: Detail.openId() ?? undefined })}`)
}

const fromAddress = () => {
  const params = new URLSearchParams(window.location.search)
  const f = {}
  for (const k of FILTER_KEYS) {
    const v = params.get(k)
    if (v !== null && v.trim() !== "") f[k] = v.trim().slice(0, 512)
  }
  return { filter: f, id: params.get("id") }
}

const outcomeBadges = (outcomes) =>
  h("span", { class: "outcomes" }, outcomes.length === 0
    ? h("span", { class: "muted" }, "no targets")
    : outcomes.map((o) =>
      h("span", {
        class: `badge badge-${o.status}`,
        "data-target": o.target,
        "data-status": o.status,
        title: o.last_error ?? `${o.attempts} attempt(s)`
      }, `${o.target}: ${Detail.stateLabel(o.status)}`)))

const openRequest = async (id) => {
  const opened = await Detail.open({ id })
  markSelected(opened)
  syncAddress()
}

const row = (r) => {
  const time = F.utcPlain(r.received_at)
  const src = r.source ?? {}
  return {
    attributes: {
      "data-request-id": r.request_id,
      class: [fresh.has(r.request_id) ? "fresh" : "", Detail.openId() === r.request_id ? "selected" : ""].join(" ").trim() || undefined
    },
    cells: [
      h("button", {
        type: "button",
        class: "link",
        "data-focus-key": `open:${r.request_id}`,
        "data-open": r.request_id,
        onclick: () => openRequest(r.request_id).catch(Shell.fail)
      }, time, h("span", { class: "visually-hidden" }, `, open request from ${r.sender_identity}`)),
      h("span", { class: "from" }, h("span", {}, r.sender_identity), h("small", { class: "muted" }, `${src.channel} / ${src.endpoint_identity}`)),
      h("span", { class: "states" }, Detail.lifecycleBadge(r.lifecycle_state), outcomeBadges(r.outcomes ?? [])),
      h("span", { class: "preview" }, r.text_preview === "" ? h("span", { class: "muted" }, "(no text)") : `${r.text_preview}${r.text_truncated ? "…" : ""}`)
    ]
  }
}

const renderList = () => {
  const container = $("list")
  keepFocus(container, () => {
    if (order.length === 0) {
      container.replaceChildren(empty(Object.keys(filter).length === 0
        ? "No requests yet. Accepted requests appear here as they arrive."
        : "No request matches this filter."))
      return
    }
    container.replaceChildren(table({
      id: "requests-table",
      columns: [
        { label: "Received (UTC)", className: "nowrap" },
        { label: "From" },
        { label: "State and targets" },
        { label: "Text" }
      ],
      rows: order.map((id) => row(rows.get(id)))
    }))
  })
  // A row is highlighted once, when it arrives; later redraws leave it plain.
  fresh = new Set()
  $("list-count").textContent = `(${F.count(order.length)} shown${nextCursor === null ? "" : ", more older"})`
  $("load-older").hidden = nextCursor === null
}

const markSelected = (id) => {
  for (const tr of document.querySelectorAll("#requests-table tbody tr")) {
    tr.classList.toggle("selected", tr.dataset.requestId === id)
  }
}

const replaceAll = (items, meta) => {
  rows = new Map(items.map((r) => [r.request_id, r]))
  order = items.map((r) => r.request_id)
  nextCursor = meta.next_cursor ?? null
  fresh = new Set()
  renderList()
}

/** Adds the newest page to the list: new requests on top (announced), known ones updated in place. */
const mergeNewest = (items, meta) => {
  const added = items.filter((r) => !rows.has(r.request_id))
  if (added.length === items.length && items.length >= PAGE && order.length > 0) {
    // More arrived than one page holds: the list would have a hole, so start over from the newest page.
    replaceAll(items, meta)
    Shell.announce(`More than ${PAGE} new requests: the list starts again from the newest.`)
    return
  }
  let changed = added.length > 0
  for (const r of items) {
    const old = rows.get(r.request_id)
    if (old !== undefined && JSON.stringify(old) !== JSON.stringify(r)) changed = true
    rows.set(r.request_id, r)
  }
  if (!changed) return
  order = [...added.map((r) => r.request_id), ...order]
  for (const id of order.splice(MAX_ROWS)) rows.delete(id)
  fresh = new Set(added.map((r) => r.request_id))
  renderList()
  if (added.length > 0) Shell.announce(`${added.length} new request${added.length === 1 ? "" : "s"}`)
}

const stamp = () => {
  $("updated").textContent = `Updated ${F.clockUtc(new Date())}${$("live-tail").checked ? " · live" : ""}`
}

const load = async () => {
  const { data, meta } = await Api.get(listPath(filter))
  replaceAll(data ?? [], meta)
  stamp()
  const { id } = fromAddress()
  if (id !== null && Detail.openId() === null) await openRequest(id)
}

const tail = async () => {
  if ($("live-tail").checked) {
    const { data, meta } = await Api.get(listPath(filter))
    mergeNewest(data ?? [], meta)
    stamp()
  }
  await Detail.refresh()
}

const search = async (next) => {
  const output = $("filter-output")
  try {
    const { data, meta } = await Api.get(listPath(next))
    filter = next
    replaceAll(data ?? [], meta)
    resetBulk()
    syncAddress()
    Shell.report(output, `${F.count(order.length)} request${order.length === 1 ? "" : "s"} shown${nextCursor === null ? "" : " (older ones: Load older requests)"}.`)
  } catch (error) {
    if (error instanceof Api.ApiError && error.status === 400) Shell.report(output, error)
    else Shell.fail(error)
  }
}

const loadOlder = async () => {
  if (nextCursor === null) return
  const { data, meta } = await Api.get(listPath(filter, nextCursor))
  const older = (data ?? []).filter((r) => !rows.has(r.request_id))
  for (const r of older) rows.set(r.request_id, r)
  order = [...order, ...older.map((r) => r.request_id)]
  nextCursor = meta.next_cursor ?? null
  fresh = new Set()
  renderList()
  Shell.announce(`${older.length} older request${older.length === 1 ? "" : "s"} added`)
}

const resetBulk = () => {
  bulkCursor = null
  $("bulk-replay").hidden = true
  $("bulk-output").hidden = true
}

const bulk = async (dryRun) => {
  const output = $("bulk-output")
  try {
    const { data, meta } = await Api.post("/api/requests/replay", {
      filter,
      dry_run: dryRun,
      ...(dryRun || bulkCursor === null ? {} : { cursor: bulkCursor })
    })
    if (dryRun) {
      bulkCursor = null
      Shell.report(output, `${data.matched_exact ? "" : "At least "}${F.count(data.matched)} request(s) match this filter.`)
      $("bulk-replay").hidden = data.matched === 0
      $("bulk-replay").textContent = `Replay them (up to ${F.count(meta.limit)} per press)`
      return
    }
    bulkCursor = meta.next_cursor ?? null
    Shell.report(output, `Replayed ${F.count(data.matched)} request(s): ${F.count(data.replayed)} deliveries due again, ` +
      `${F.count(data.already_pending)} already pending.${bulkCursor === null ? " Done." : " More match: press again for the next ones."}`)
    $("bulk-replay").hidden = bulkCursor === null
    $("bulk-replay").textContent = "Replay the next ones"
  } catch (error) {
    Shell.report(output, error)
  }
}

const start = () => {
  const loop = Shell.every(TAIL_MS, tail)
  const initial = fromAddress()
  filter = initial.filter
  writeForm(filter)
  Detail.init((id) => {
    markSelected(null)
    syncAddress()
    const back = [...document.querySelectorAll("#requests-table [data-open]")].find((b) => b.dataset.open === id)
    ;(back ?? $("list-heading")).focus?.()
  })
  $("list-heading").tabIndex = -1
  $("filter-form").addEventListener("submit", (event) => {
    event.preventDefault()
    void search(readForm())
  })
  $("filter-clear").addEventListener("click", () => {
    writeForm({})
    void search({})
  })
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault()
    const key = $("key-input").value.trim()
    if (key === "") return
    Detail.open({ key }).then((id) => {
      markSelected(id)
      syncAddress()
    }).catch(Shell.fail)
  })
  $("load-older").addEventListener("click", () => void loadOlder().catch(Shell.fail))
  $("live-tail").addEventListener("change", () => {
    Shell.announce($("live-tail").checked ? "Live tail on" : "Live tail paused")
    if ($("live-tail").checked) loop.now()
  })
  $("bulk-dry-run").addEventListener("click", () => void bulk(true))
  $("bulk-replay").addEventListener("click", () => void bulk(false))
  Shell.start({ role: "operator", load })
}

start()
