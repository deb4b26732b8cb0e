// The /connectors page: loads the dashboard API, renders it, and refreshes every 15 s.
import * as Api from "./api.js"
import { periodInfo, resizeCharts, syncCharts } from "./charts.js"
import * as F from "./format.js"
import { h, keyOf, renderCards, renderDetail, renderDetailFailed, renderErrors, renderFanout, renderSummary } from "./render.js"
import { renderSdkConnectors, renderSdkDenied } from "./sdk.js"

const REFRESH_MS = 15_000
const DEFAULT_SHOWN = 8
const PREFS_KEY = "switchboard.dashboard.prefs"
const $ = (id) => document.getElementById(id)

const loadPrefs = () => {
  try {
    const prefs = JSON.parse(window.localStorage.getItem(PREFS_KEY) ?? "{}")
    return typeof prefs === "object" && prefs !== null ? prefs : {}
  } catch {
    return {}
  }
}
/** Saved choices, each kept only if still valid (a stale or hand-edited value falls back to the default). */
const saved = loadPrefs()
const prefs = {
  period: ["24h", "7d", "30d"].includes(saved.period) ? saved.period : "24h",
  fanoutPeriod: ["7d", "30d"].includes(saved.fanoutPeriod) ? saved.fanoutPeriod : "7d",
  shown: typeof saved.shown === "object" && saved.shown !== null ? saved.shown : {}
}
const savePrefs = () => window.localStorage.setItem(PREFS_KEY, JSON.stringify(prefs))

let connectors = []
let timer = null
let generation = 0

/** The hub's clock (`meta.generated_at`): ages are measured against it, not the browser's clock. */
const serverNow = (meta) => F.parseTime(meta.generated_at) ?? Date.now()

/** Unless the user chose, the first DEFAULT_SHOWN connectors that ever sent a heartbeat are charted. */
let defaultShown = new Set()
const isShown = (key) => prefs.shown[key] ?? defaultShown.has(key)

const setState = (state) => {
  document.body.dataset.state = state
}

const showBanner = (text) => {
  const banner = $("banner")
  banner.hidden = text === null
  banner.textContent = text ?? ""
}

const showTokenPanel = (show) => {
  $("token-panel").hidden = !show
  $("content").hidden = show && connectors.length === 0
  $("forget-token").hidden = Api.getToken() === null
  if (show) $("token-input").focus()
}

const describe = (error) =>
  error instanceof Api.ApiError
    ? error.status === 0 ? error.message : `HTTP ${error.status}: ${error.message}`
    : String(error)

/** Auth failures ask for a token; anything else keeps the last data on screen and says what failed. */
const reportFailures = (failures) => {
  const auth = failures.find((f) => f instanceof Api.ApiError && (f.status === 401 || f.status === 403))
  if (auth !== undefined) {
    const text = auth.status === 401
      ? Api.getToken() === null
        ? "No API token yet. Paste a token with role viewer or higher below (the hub prints a dev token at start)."
        : `The hub rejected the token (${auth.message}). Paste a valid token with role viewer or higher.`
      : `This token may not read the dashboard (${auth.message}). Use a token with role viewer or higher (not ingest or actions).`
    showBanner(text)
    showTokenPanel(true)
    setState("auth")
    return
  }
  const first = failures[0]
  showBanner(
    `The hub API failed, showing the last data loaded. ${first.path ?? ""} answered ${describe(first)}` +
      (failures.length > 1 ? ` (and ${failures.length - 1} more failed request(s))` : "") +
      `. Retrying every ${REFRESH_MS / 1000} s.`
  )
  setState("error")
}

/**
 * The SDK connectors panel; a 403 (a token without a ranked role) is said in the panel, not as a page
 * failure. Returns the other failures, which the banner reports while the last rows stay on screen.
 */
const renderSdk = (registry, health) => {
  const rejected = [registry, health].filter((r) => r.status === "rejected").map((r) => r.reason)
  const denied = rejected.find((e) => e instanceof Api.ApiError && e.status === 403)
  if (denied !== undefined) {
    renderSdkDenied($("sdk-connectors"), denied.message)
    return rejected.filter((e) => e !== denied && !(e instanceof Api.ApiError && e.status === 403))
  }
  if (rejected.length === 0) renderSdkConnectors($("sdk-connectors"), registry.value, health.value)
  return rejected
}

/** Cards whose "Degradations and details" are open: kept open (and reloaded) across refreshes. */
const openDetails = new Set()

const loadDetail = async (c, body) => {
  try {
    const answer = await Api.getJson(Api.connectorPath(c.connector_type, c.endpoint_identity))
    renderDetail(body, answer.data ?? {}, serverNow(answer.meta))
    body.dataset.loaded = "true"
  } catch (error) {
    renderDetailFailed(body, describe(error))
  }
}

const details = {
  open: openDetails,
  onToggle: (c, open, body) => {
    if (!open) {
      openDetails.delete(keyOf(c))
      return
    }
    openDetails.add(keyOf(c))
    void loadDetail(c, body)
  }
}

const renderToggles = () => {
  const list = $("toggle-list")
  if (connectors.length === 0) {
    list.replaceChildren(h("span", { class: "muted" }, "No connectors yet."))
    return
  }
  list.replaceChildren(...connectors.map((c) => {
    const key = keyOf(c)
    const box = h("input", { type: "checkbox", value: key, checked: isShown(key) })
    box.addEventListener("change", () => {
      prefs.shown[key] = box.checked
      savePrefs()
      void refresh()
    })
    return h("label", { class: "toggle" }, box, ` ${key}`)
  }))
}

const loadCharts = async (nowMs) => {
  const shown = connectors
    .filter((c) => isShown(keyOf(c)))
    .map((c) => ({ key: keyOf(c), label: `${c.connector_type} · ${c.endpoint_identity}`, c }))
  const settled = await Promise.allSettled(
    shown.map(({ c }) => Api.getJson(Api.connectorPath(c.connector_type, c.endpoint_identity, `/stats?period=${prefs.period}`)))
  )
  const results = new Map(shown.map(({ key }, i) => {
    const r = settled[i]
    return [key, r.status === "fulfilled" ? { stats: r.value.data } : { error: describe(r.reason) }]
  }))
  if (shown.length === 0) {
    $("charts").replaceChildren(h("p", { class: "empty" }, connectors.length === 0
      ? "No connectors have reported yet, so there is nothing to chart."
      : "No connector selected: tick one above to see its chart."))
  } else {
    $("charts").querySelector(":scope > .empty")?.remove()
  }
  syncCharts($("charts"), shown, results, prefs.period, nowMs)
  return settled.filter((r) => r.status === "rejected").map((r) => r.reason)
}

const refresh = async () => {
  const mine = ++generation
  clearTimeout(timer)
  timer = setTimeout(() => void refresh(), REFRESH_MS)
  if (Api.getToken() === null) {
    reportFailures([new Api.ApiError(401, "no token yet", "/api/connectors")])
    return
  }
  setState("loading")
  const [list, summary, fanout, errors, sdkRegistry, sdkHealth] = await Promise.allSettled([
    Api.getAllPages("/api/connectors"),
    Api.getJson(`/api/connectors/summary?period=${prefs.period}`),
    Api.getJson(`/api/connectors/fanout?period=${prefs.fanoutPeriod}`),
    Api.getJson("/api/connectors/errors?limit=50"),
    Api.getConnectors("/sdk/connectors"),
    Api.getConnectors("/sdk/connectors/health")
  ])
  if (mine !== generation) return
  const failures = [list, summary, fanout, errors].filter((r) => r.status === "rejected").map((r) => r.reason)
  failures.push(...renderSdk(sdkRegistry, sdkHealth))
  const nowMs = list.status === "fulfilled" ? serverNow(list.value.meta) : Date.now()
  if (list.status === "fulfilled") {
    connectors = Array.isArray(list.value.data) ? list.value.data : []
    defaultShown = new Set(connectors.filter((c) => c.last_heartbeat_at !== null).slice(0, DEFAULT_SHOWN).map(keyOf))
    renderCards($("cards"), connectors, nowMs, details)
    renderToggles()
  }
  if (summary.status === "fulfilled") {
    renderSummary($("summary"), summary.value.data ?? {})
    $("summary-period").textContent = `(last ${prefs.period})`
  }
  if (fanout.status === "fulfilled") renderFanout($("fanout"), Array.isArray(fanout.value.data) ? fanout.value.data : [], fanout.value.meta)
  if (errors.status === "fulfilled") renderErrors($("errors"), Array.isArray(errors.value.data) ? errors.value.data : [], nowMs)
  if (list.status === "fulfilled") failures.push(...await loadCharts(nowMs))
  if (mine !== generation) return
  if (failures.length > 0) {
    reportFailures(failures)
    return
  }
  showBanner(null)
  showTokenPanel(false)
  $("updated").textContent = `Updated ${F.clockUtc(new Date())} · refreshes every ${REFRESH_MS / 1000} s`
  setState("ready")
}

const bindRadios = (name, key) => {
  for (const input of document.querySelectorAll(`input[name="${name}"]`)) {
    input.checked = input.value === prefs[key]
    input.addEventListener("change", () => {
      if (!input.checked) return
      prefs[key] = input.value
      savePrefs()
      if (key === "period") $("bucket-unit").textContent = periodInfo(input.value).unit
      void refresh()
    })
  }
}

const start = () => {
  Api.adoptTokenFromFragment()
  bindRadios("period", "period")
  bindRadios("fanout-period", "fanoutPeriod")
  $("bucket-unit").textContent = periodInfo(prefs.period).unit
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault()
    const input = $("token-input")
    if (input.value.trim() === "") return
    Api.setToken(input.value)
    input.value = ""
    void refresh()
  })
  $("forget-token").addEventListener("click", () => {
    Api.forgetToken()
    void refresh()
  })
  $("refresh-now").addEventListener("click", () => void refresh())
  window.addEventListener("hashchange", () => {
    Api.adoptTokenFromFragment()
    void refresh()
  })
  window.addEventListener("resize", resizeCharts)
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void refresh()
  })
  void refresh()
}

start()
