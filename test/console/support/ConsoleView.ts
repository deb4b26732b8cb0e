/**
 * Driving the console pages in Chromium: one browser context for a whole suite (every request any page
 * makes is recorded, with console and page errors), waits on what the pages show, keyboard walking,
 * and layout checks. Page-side code is given as strings (this project compiles without DOM types).
 */
import { Context, Duration, Effect, Layer } from "effect"
import type { BrowserContext, Page } from "playwright-core"
import * as Browser from "../../dashboard/support/Browser.js"
import * as View from "../../dashboard/support/View.js"
import * as Wait from "../../delivery/support/Wait.js"

const TIMEOUT = 20_000

export interface Chromium {
  readonly ctx: BrowserContext
  /** Every URL any page of the context asked for, in order. */
  readonly urls: Array<string>
  /** Console errors and uncaught page errors, in order. */
  readonly problems: Array<string>
}

export class ChromiumContext extends Context.Tag("test/console/Chromium")<ChromiumContext, Chromium>() {}

/** The problems reported from now on (the list is shared by the suite's tests). */
export const problemsFromNow = (chromium: Chromium) => {
  const start = chromium.problems.length
  return () => chromium.problems.slice(start)
}

/** One headless Chromium (1280 × 800) for the suite, closed with it. */
export const layer = Layer.scoped(
  ChromiumContext,
  Effect.map(Browser.context({ width: 1280, height: 800 }), (ctx) => {
    const urls: Array<string> = []
    const problems: Array<string> = []
    ctx.on("request", (r) => urls.push(r.url()))
    ctx.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`)
    })
    ctx.on("weberror", (e) => problems.push(`page error: ${e.error().message}`))
    return { ctx, urls, problems }
  })
)

export const step = Browser.step

/** Waits for the page state `ready`, adding the page's problems and banner to a failure. */
export const ready = (page: Page, problems: ReadonlyArray<string>) =>
  View.waitState(page, "ready").pipe(View.explainFailure(page, problems))

export const waitFor = (page: Page, selector: string, state: "visible" | "attached" | "hidden" | "detached" = "visible") =>
  step(`wait for ${selector} (${state})`, () => page.waitForSelector(selector, { state, timeout: TIMEOUT }))

/**
 * Waits until the page-side expression is true, evaluating it every 50 ms (page.waitForFunction would
 * evaluate a string with eval, which the console's CSP forbids).
 */
export const waitUntil = (page: Page, description: string, expression: string) =>
  Wait.untilTrue(description, View.evaluate<boolean>(page, `Boolean(${expression})`), Duration.millis(TIMEOUT)).pipe(
    Effect.catchAllDefect((defect) =>
      Effect.fail(new Browser.BrowserStepFailed({ step: `wait until ${description}`, message: String(defect) })))
  )

export const text = View.text
export const evaluate = View.evaluate

/** Pixels the page is wider than the window (0 or less: no horizontal scrolling). */
export const horizontalOverflow = (page: Page) =>
  evaluate<number>(page, "document.documentElement.scrollWidth - window.innerWidth")

/** Describes the focused element: its id, data-focus-key, tag and text, for assertions and messages. */
export const focused = (page: Page) =>
  evaluate<{ id: string; key: string; tag: string; text: string; outline: string }>(page, `(() => {
    const e = document.activeElement
    if (!e) return { id: "", key: "", tag: "", text: "", outline: "" }
    const style = getComputedStyle(e)
    return { id: e.id, key: e.dataset?.focusKey ?? "", tag: e.tagName.toLowerCase(), text: (e.textContent ?? "").trim().slice(0, 80), outline: style.outlineStyle + " " + style.outlineWidth }
  })()`)

/**
 * Presses Tab until the focused element matches `selector` (at most `max` presses); answers how many it
 * took and fails naming the elements passed when it never got there.
 */
export const tabTo = (page: Page, selector: string, max = 80) =>
  Effect.gen(function*() {
    const passed: Array<string> = []
    for (let presses = 1; presses <= max; presses++) {
      yield* step("press Tab", () => page.keyboard.press("Tab"))
      const here = yield* evaluate<boolean>(page, `document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)
      if (here) return presses
      const f = yield* focused(page)
      passed.push(f.id || f.key || `${f.tag}:${f.text.slice(0, 20)}`)
    }
    return yield* new Browser.BrowserStepFailed({ step: `tab to ${selector}`, message: `not reached in ${max} presses; passed ${passed.join(" → ")}` })
  })
