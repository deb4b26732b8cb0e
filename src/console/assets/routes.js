// The routes part of /targets: the rules in evaluation order (GET /api/routes), the add/edit form
// (POST/PATCH /api/routes, role admin), removal, and the tester's verdict per rule.
import * as Api from "./api.js"
import { $, badge, confirmButton, empty, h, keepFocus, table } from "./dom.js"
import * as Shell from "./shell.js"

const TEXT_FIELDS = [
  ["r-channel", "channel"],
  ["r-provider", "provider"],
  ["r-endpoint", "endpoint_identity"],
  ["r-sender", "sender_identity"],
  ["r-pattern", "text_pattern"]
]

let editing = null
let changed = async () => {}

const matches = (r) => {
  const parts = [
    r.channel === null ? null : `channel ${r.channel}`,
    r.provider === null ? null : `provider ${r.provider}`,
    r.endpoint_identity === null ? null : `endpoint ${r.endpoint_identity}`,
    r.sender_identity === null ? null : `sender ${r.sender_identity}`,
    r.text_pattern === null ? null : `text ~ /${r.text_pattern}/${r.ignore_case ? "i" : ""}`
  ].filter((p) => p !== null)
  return parts.length === 0 ? h("span", { class: "muted" }, "everything") : parts.join(", ")
}

const remove = async (r) => {
  const output = $("route-output")
  try {
    await Api.remove(`/api/routes/${Api.segment(r.id)}`)
    Shell.report(output, `Removed the route to ${r.target}.`)
    if (editing?.id === r.id) stopEditing()
    await changed()
  } catch (error) {
    Shell.report(output, error)
  }
}

const verdictBadge = (result) => {
  const shown = badge(result.replaceAll("_", " "), result)
  shown.dataset.badge = result
  return shown
}

/** Draws the rules in the order the hub evaluates them; `verdicts` (id → result) come from the tester. */
export const render = (routes, verdicts) => {
  const container = $("routes")
  keepFocus(container, () => {
    if (routes.length === 0) {
      container.replaceChildren(empty("No routes yet: nothing is delivered until a route sends it to a target."))
      return
    }
    const tested = verdicts !== null
    container.replaceChildren(table({
      id: "routes-table",
      columns: [
        { label: "Order", className: "num" },
        { label: "Priority", className: "num" },
        { label: "Matches" },
        { label: "Stop" },
        { label: "Target" },
        ...(tested ? [{ label: "Tester" }] : []),
        { label: "Actions" }
      ],
      rows: routes.map((r, i) => ({
        attributes: { "data-route-id": r.id, "data-target": r.target },
        cells: [
          String(i + 1),
          String(r.priority),
          matches(r),
          r.stop ? "stop" : "go on",
          r.target,
          ...(tested ? [verdictBadge(verdicts.get(r.id) ?? "not_reached")] : []),
          h(
            "span",
            { class: "outcomes" },
            h("button", { type: "button", "data-focus-key": `edit-route:${r.id}`, onclick: () => startEditing(r) }, "Edit"),
            confirmButton({ label: "Remove", confirmLabel: "Confirm removal", focusKey: `remove-route:${r.id}`, action: () => remove(r) })
          )
        ]
      }))
    }))
  })
}

/** Fills the target picker with the live targets (keeping the choice). */
export const setTargets = (targets) => {
  const select = $("r-target")
  const chosen = select.value
  const live = targets.filter((t) => t.removed_at === null)
  select.replaceChildren(...(live.length === 0
    ? [h("option", { value: "" }, "no target yet: add one above")]
    : live.map((t) => h("option", { value: t.name }, t.name))))
  if (live.some((t) => t.name === chosen)) select.value = chosen
}

const readForm = () => {
  const body = { target: $("r-target").value, ignore_case: $("r-ignore-case").checked, stop: $("r-stop").checked }
  for (const [id, key] of TEXT_FIELDS) {
    const value = $(id).value.trim()
    body[key] = value === "" ? null : value
  }
  const priority = $("r-priority").value.trim()
  if (priority !== "") body.priority = Number(priority)
  return body
}

const fillForm = (r) => {
  $("r-target").value = r.target
  $("r-priority").value = String(r.priority)
  for (const [id, key] of TEXT_FIELDS) $(id).value = r[key] ?? ""
  $("r-ignore-case").checked = r.ignore_case
  $("r-stop").checked = r.stop
}

const startEditing = (r) => {
  editing = r
  fillForm(r)
  $("route-form-heading").textContent = `Edit the route to ${r.target}`
  $("route-submit").textContent = "Save route"
  $("route-cancel").hidden = false
  $("r-target").focus()
}

const stopEditing = () => {
  editing = null
  $("route-form").reset()
  $("route-form-heading").textContent = "Add a route"
  $("route-submit").textContent = "Add route"
  $("route-cancel").hidden = true
}

const submit = async () => {
  const output = $("route-output")
  const body = readForm()
  if (body.target === "") {
    Shell.report(output, new Error("choose a target (add one above first)"))
    return
  }
  try {
    if (editing === null) {
      const { data } = await Api.post("/api/routes", body)
      Shell.report(output, `Added a route to ${data.target} (priority ${data.priority}).`)
      $("route-form").reset()
    } else {
      const { data } = await Api.patch(`/api/routes/${Api.segment(editing.id)}`, body)
      Shell.report(output, `Saved the route to ${data.target}.`)
      stopEditing()
    }
    await changed()
  } catch (error) {
    Shell.report(output, error)
  }
}

/** Wires the form; `onChange` reloads targets and routes after a change. */
export const init = (onChange) => {
  changed = onChange
  $("route-form").addEventListener("submit", (event) => {
    event.preventDefault()
    void submit()
  })
  $("route-cancel").addEventListener("click", () => {
    stopEditing()
    $("route-submit").focus()
  })
}
