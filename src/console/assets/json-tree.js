// A JSON value as a tree of <details> elements: keyboard-operable (each level is a summary), opened to a
// depth, and bounded (a huge payload shows its first nodes and says how many were left out).
import { h } from "./dom.js"

const MAX_NODES = 3000
const MAX_STRING = 2000

const primitive = (value) => {
  if (typeof value === "string") {
    const shown = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}… (${value.length - MAX_STRING} more characters)` : value
    return h("span", { class: "str" }, JSON.stringify(shown))
  }
  if (typeof value === "number") return h("span", { class: "num" }, String(value))
  return h("span", { class: "lit" }, value === null ? "null" : String(value))
}

const label = (key) => (key === null ? null : h("span", { class: "key" }, `${JSON.stringify(key)}: `))

/** Renders `value`; objects and arrays down to `openDepth` start open. */
export const jsonTree = (value, { openDepth = 2 } = {}) => {
  let budget = MAX_NODES
  const node = (key, v, depth) => {
    budget--
    if (v === null || typeof v !== "object") return h("li", {}, label(key), primitive(v))
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v)
    const size = Array.isArray(v) ? `[${entries.length} item${entries.length === 1 ? "" : "s"}]` : `{${entries.length} key${entries.length === 1 ? "" : "s"}}`
    if (entries.length === 0) return h("li", {}, label(key), h("span", { class: "count" }, Array.isArray(v) ? "[]" : "{}"))
    const children = []
    for (const [k, x] of entries) {
      if (budget <= 0) {
        children.push(h("li", { class: "count" }, `… ${entries.length - children.length} more not shown`))
        break
      }
      children.push(node(Array.isArray(v) ? null : k, x, depth + 1))
    }
    return h(
      "li",
      {},
      h("details", { open: depth < openDepth }, h("summary", {}, label(key), h("span", { class: "count" }, size)), h("ul", {}, ...children))
    )
  }
  return h("ul", { class: "json-root" }, node(null, value, 0))
}

/** The tree with "Expand all" / "Collapse all" buttons and the exact JSON text behind a disclosure. */
export const jsonView = (value, { id, openDepth = 2 } = {}) => {
  const tree = h("div", { class: "json", id }, jsonTree(value, { openDepth }))
  const setAll = (open) => () => {
    for (const d of tree.querySelectorAll("details")) d.open = open
  }
  let text = JSON.stringify(value, null, 2) ?? "null"
  if (text.length > 200_000) text = `${text.slice(0, 200_000)}\n… (${text.length - 200_000} more characters)`
  return h(
    "div",
    { class: "json-view" },
    h(
      "div",
      { class: "json-tools" },
      h("button", { type: "button", onclick: setAll(true) }, "Expand all"),
      h("button", { type: "button", onclick: setAll(false) }, "Collapse all")
    ),
    tree,
    h("details", {}, h("summary", {}, "As JSON text"), h("pre", { class: "text-block" }, text))
  )
}
