// The /targets page: delivery targets (GET/POST/PATCH/DELETE /api/targets; pause, resume, test), the routes
// (routes.js), and the "which targets would this request go to" tester (POST /api/routes/evaluate).
// A generated secret is shown once, in the page only: never in the address, never stored.
import * as Api from "./api.js"
import * as F from "./format.js"
import { $, badge, confirmButton, empty, field, h, keepFocus, table } from "./dom.js"
import * as Routes from "./routes.js"
import * as Shell from "./shell.js"

const REFRESH_MS = 15_000

let targets = []
let routes = []
let verdicts = null
/** The target whose URL is being edited, and the text typed so far (kept across refreshes). */
let editing = null

const path = (name, suffix = "") => `/api/targets/${Api.segment(name)}${suffix}`

const showSecret = (name, secret) => {
  if (typeof secret !== "string") return
  $("secret-heading").textContent = `Signing secret of ${name}`
  $("secret-value").value = secret
  $("secret-once").hidden = false
  $("secret-value").focus()
  $("secret-value").select()
}

const hideSecret = () => {
  $("secret-value").value = ""
  $("secret-once").hidden = true
}

/** Runs one target action and reports its sentence (or the hub's error) above the table. */
const act = async (run) => {
  const output = $("target-output")
  try {
    Shell.report(output, await run())
    await reloadLists(true)
  } catch (error) {
    Shell.report(output, error)
  }
}

const testSend = (t) => act(async () => {
  const { data } = await Api.post(path(t.name, "/test"))
  const answer = data.status === null ? "no answer" : `HTTP ${data.status}`
  return [
    `Test event to ${t.name}: ${data.ok ? "accepted" : "not accepted"}, ${answer} in ${F.count(data.latency_ms)} ms (webhook-id ${data.webhook_id}).`,
    data.error ? `Error: ${data.error}` : null,
    data.response_excerpt ? `Receiver answered: ${data.response_excerpt}` : null
  ].filter(Boolean).join("\n")
})

const pauseOrResume = (t) => act(async () => {
  const paused = t.paused_at !== null
  const { data } = await Api.post(path(t.name, paused ? "/resume" : "/pause"))
  return paused
    ? `Resumed ${t.name}: ${F.count(data.deliveries)} held deliver${data.deliveries === 1 ? "y is" : "ies are"} due now.`
    : `Paused ${t.name}: ${F.count(data.deliveries)} pending deliver${data.deliveries === 1 ? "y" : "ies"} held until it is resumed.`
})

const rotate = (t) => act(async () => {
  const { data } = await Api.patch(path(t.name), { rotate_secret: true })
  showSecret(t.name, data.secret)
  return `Rotated the secret of ${t.name}: receivers must use the new one now.`
})

const removeTarget = (t) => act(async () => {
  const { data } = await Api.remove(path(t.name))
  return `Removed ${t.name} and ${F.count(data.routes_removed)} route(s); its pending deliveries became dead letters.`
})

const saveUrl = (t) => act(async () => {
  const { data } = await Api.patch(path(t.name), { url: editing.url.trim() })
  editing = null
  return `Changed the URL of ${t.name} to ${data.target.url}.`
})

const stateOf = (t) => (t.removed_at !== null ? "removed" : t.paused_at !== null ? "paused" : "active")

const actions = (t) => {
  if (t.removed_at !== null) return h("span", { class: "muted" }, `removed ${F.utcPlain(t.removed_at)}`)
  const paused = t.paused_at !== null
  return h(
    "span",
    { class: "outcomes" },
    h("button", { type: "button", "data-focus-key": `pause:${t.name}`, "data-action": paused ? "resume" : "pause", onclick: () => pauseOrResume(t) }, paused ? "Resume" : "Pause"),
    h("button", { type: "button", "data-focus-key": `test:${t.name}`, "data-action": "test", onclick: () => testSend(t) }, "Send test"),
    t.kind === "webhook"
      ? h("button", {
        type: "button",
        "data-focus-key": `edit:${t.name}`,
        "data-action": "edit",
        onclick: () => {
          editing = { name: t.name, url: "" }
          renderTargets()
          document.getElementById(`url-${t.name}`)?.focus()
        }
      }, "Change URL")
      : null,
    t.kind === "webhook"
      ? confirmButton({ label: "Rotate secret", confirmLabel: "Confirm: new secret", focusKey: `rotate:${t.name}`, action: () => rotate(t) })
      : null,
    confirmButton({ label: "Remove", confirmLabel: "Confirm removal", focusKey: `remove:${t.name}`, action: () => removeTarget(t) })
  )
}

const urlCell = (t) => {
  if (editing?.name !== t.name) return h("span", { class: "id" }, t.url)
  const input = h("input", {
    id: `url-${t.name}`,
    type: "url",
    value: editing.url,
    placeholder: t.url,
    maxlength: 2048,
    "data-focus-key": `url:${t.name}`,
    oninput: (event) => {
      editing.url = event.target.value
    }
  })
  return h(
    "form",
    {
      method: "dialog",
      class: "inline-form",
      onsubmit: (event) => {
        event.preventDefault()
        void saveUrl(t)
      }
    },
    field(`New URL of ${t.name}`, input),
    h("button", { type: "submit", class: "primary" }, "Save URL"),
    h("button", {
      type: "button",
      onclick: () => {
        editing = null
        renderTargets()
      }
    }, "Cancel")
  )
}

const renderTargets = () => {
  const container = $("targets")
  keepFocus(container, () => {
    if (targets.length === 0) {
      container.replaceChildren(empty("No targets yet: add one below."))
      return
    }
    container.replaceChildren(table({
      id: "targets-table",
      columns: [
        { label: "Name", className: "nowrap" },
        { label: "Kind" },
        { label: "URL" },
        { label: "State" },
        { label: "Secret fingerprint" },
        { label: "Created (UTC)", className: "nowrap" },
        { label: "Actions" }
      ],
      rows: targets.map((t) => ({
        attributes: { "data-target": t.name, "data-state": stateOf(t) },
        cells: [
          h("strong", {}, t.name),
          t.kind,
          urlCell(t),
          badge(stateOf(t)),
          h("span", { class: "id" }, t.secret_fingerprint),
          F.utcPlain(t.created_at),
          actions(t)
        ]
      }))
    }))
  })
}

/** Reads targets and routes; redraws when they changed (or always, after an action: `force`). */
const reloadLists = async (force = false) => {
  const [t, r] = await Promise.all([Api.get("/api/targets"), Api.get("/api/routes")])
  const routesChanged = JSON.stringify(r.data) !== JSON.stringify(routes)
  const same = !routesChanged && JSON.stringify(t.data) === JSON.stringify(targets)
  targets = t.data ?? []
  routes = r.data ?? []
  if (routesChanged && verdicts !== null) {
    // The tester's verdicts were for the old rules.
    verdicts = null
    $("tester-result").replaceChildren(h("p", { class: "help" }, "The routes changed: evaluate again to see where the request would go now."))
  }
  if (force || !same) {
    renderTargets()
    Routes.setTargets(targets)
    Routes.render(routes, verdicts)
  }
  $("updated").textContent = `Updated ${F.clockUtc(new Date())} · refreshes every ${REFRESH_MS / 1000} s`
}

const load = () => reloadLists(true)

const create = async () => {
  const output = $("target-form-output")
  const name = $("t-name").value.trim()
  const url = $("t-url").value.trim()
  try {
    const { data } = await Api.post("/api/targets", { name, url })
    $("target-form").reset()
    Shell.report(output, `Created target ${data.target.name}.`)
    // The secret first: it is answered once, so a failed reload must not lose it.
    showSecret(data.target.name, data.secret)
    await reloadLists(true)
  } catch (error) {
    Shell.report(output, error)
  }
}

const evaluate = async () => {
  const result = $("tester-result")
  const body = Object.fromEntries(
    ["channel", "provider", "endpoint_identity", "sender_identity", "normalized_text"].map((k) => [k, $("tester-form").elements[k].value])
  )
  try {
    const { data } = await Api.post("/api/routes/evaluate", body)
    verdicts = new Map(data.rules.map((r) => [r.id, r.result]))
    Routes.render(routes, verdicts)
    result.replaceChildren(
      h("p", { class: "output inline-ok", id: "tester-targets" }, data.targets.length === 0
        ? "No target: nothing matched (and there is no general catch-all target)."
        : `Would be delivered to: ${data.targets.join(", ")}.`),
      h("p", { class: "help" }, "The Tester column of the routes above shows each rule's result.")
    )
    Shell.announce(data.targets.length === 0 ? "No target would receive it." : `Would go to ${data.targets.join(", ")}`)
  } catch (error) {
    result.replaceChildren(h("p", { class: "output inline-error" }, Api.describe(error)))
    Shell.announce(Api.describe(error))
  }
}

const copySecret = async () => {
  const output = $("target-output")
  try {
    await navigator.clipboard.writeText($("secret-value").value)
    Shell.report(output, "Copied the secret.")
  } catch {
    $("secret-value").select()
    Shell.report(output, "Could not copy here: the secret is selected, copy it with Ctrl+C.")
  }
}

const start = () => {
  $("target-form").addEventListener("submit", (event) => {
    event.preventDefault()
    void create()
  })
  $("tester-form").addEventListener("submit", (event) => {
    event.preventDefault()
    void evaluate()
  })
  $("secret-copy").addEventListener("click", () => void copySecret())
  $("secret-done").addEventListener("click", () => {
    hideSecret()
    $("targets-heading").focus()
  })
  $("targets-heading").tabIndex = -1
  Routes.init(() => reloadLists(true))
  Shell.start({ role: "operator", load })
  Shell.every(REFRESH_MS, async () => {
    // An open URL edit keeps its input: the periodic refresh waits until it is saved or cancelled.
    if (editing === null) await reloadLists()
  })
}

start()
