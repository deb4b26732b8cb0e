// DOM helpers for the console pages: elements from data without innerHTML, badges, and tables that
// become stacked cards on a phone.

/**
 * Creates an element: h("button", { type: "button", onclick: fn }, "text", child, …). Attributes that are
 * functions (onclick, onsubmit, …) become event listeners; null, undefined and false attributes are left out.
 */
export const h = (tag, attributes = {}, ...children) => {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue
    if (typeof value === "function" && name.startsWith("on")) element.addEventListener(name.slice(2), value)
    else element.setAttribute(name, value === true ? "" : String(value))
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    element.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return element
}

export const $ = (id) => document.getElementById(id)

export const empty = (text) => h("p", { class: "empty" }, text)

/** A small coloured label; `kind` picks the colour class (`badge-<kind>`), `data-badge` carries the value. */
export const badge = (text, kind = text) => h("span", { class: `badge badge-${kind}`, "data-badge": text }, text)

/** "–" for null/undefined/empty, else the value as text. */
export const orDash = (value) => (value === null || value === undefined || value === "" ? "–" : String(value))

/**
 * A table whose rows stack as labelled cards on narrow screens (each cell carries its column's label).
 * `columns`: [{ label, className? }]; `rows`: [{ attributes, cells: [node | text] }].
 */
export const table = ({ id, caption, columns, rows }) =>
  h(
    "table",
    { id, class: "cards-on-phone" },
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", { scope: "col", class: c.className }, c.label)))),
    h("tbody", {}, ...rows.map((row) =>
      h("tr", row.attributes ?? {}, ...row.cells.map((cell, i) =>
        h("td", { "data-label": columns[i]?.label ?? "", class: columns[i]?.className }, cell)))))
  )

/**
 * Re-renders `container` with `render()` and puts the focus back on the element with the same
 * `data-focus-key` when the focus was inside it (a live refresh must not throw a keyboard user out).
 */
export const keepFocus = (container, render) => {
  const active = document.activeElement
  const key = active instanceof HTMLElement && container.contains(active) ? active.dataset.focusKey : undefined
  render()
  if (key === undefined) return
  const again = [...container.querySelectorAll("[data-focus-key]")].find((e) => e.dataset.focusKey === key)
  again?.focus()
}

/**
 * A button that asks once more before it acts: the first press arms it ("Confirm …"), the second runs
 * `action`; leaving the button disarms it.
 */
export const confirmButton = ({ label, confirmLabel, focusKey, action }) => {
  const button = h("button", { type: "button", "data-focus-key": focusKey }, label)
  let armed = false
  const disarm = () => {
    armed = false
    button.textContent = label
    button.classList.remove("danger")
  }
  button.addEventListener("click", () => {
    if (!armed) {
      armed = true
      button.textContent = confirmLabel
      button.classList.add("danger")
      return
    }
    disarm()
    void action()
  })
  button.addEventListener("blur", disarm)
  return button
}

/** A labelled form field: label above, input below (`input` is an element made with h). */
export const field = (label, input, hint) =>
  h("div", { class: "field" }, h("label", { for: input.id }, label), input, hint ? h("small", { class: "hint" }, hint) : null)
