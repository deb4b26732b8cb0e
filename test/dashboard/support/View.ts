/**
 * Reads what the /connectors page shows, as plain data for assertions. Page-side code is given as
 * strings because this project compiles without DOM types; each one is a tiny, self-contained function.
 */
import { Effect } from "effect"
import type { Page } from "playwright-core"
import { BrowserStepFailed, step } from "./Browser.js"

const TIMEOUT = 15_000

/** Evaluates an expression (or a function given as a string) in the page. */
export const evaluate = <A>(page: Page, expression: string) => step(`evaluate ${expression}`, () => page.evaluate<A>(expression))

/** Waits until the page says it is `ready`, `auth` (needs a token) or `error` (API failed). */
export const waitState = (page: Page, state: "ready" | "auth" | "error") =>
  step(`wait for page state ${state}`, () => page.waitForSelector(`body[data-state="${state}"]`, { timeout: TIMEOUT }))

/** Adds what the page reported (console errors, page errors, its banner) to a failed step. */
export const explainFailure = (page: Page, problems: ReadonlyArray<string>) => <A, R>(self: Effect.Effect<A, BrowserStepFailed, R>) =>
  Effect.catchAll(self, (e) =>
    Effect.flatMap(
      step("read banner", () => page.locator("#banner").textContent()).pipe(Effect.orElseSucceed(() => null)),
      (banner) =>
        Effect.fail(
          new BrowserStepFailed({
            step: e.step,
            message: `${e.message}\n  page problems: ${problems.join(" | ") || "none"}\n  banner: ${banner ?? "(none)"}`
          })
        )
    ))

export const waitSelector = (page: Page, selector: string) =>
  step(`wait for ${selector}`, () => page.waitForSelector(selector, { timeout: TIMEOUT }))

export const waitGone = (page: Page, selector: string) =>
  step(`wait until ${selector} is gone`, () => page.waitForSelector(selector, { state: "detached", timeout: TIMEOUT }))

export const waitText = (page: Page, selector: string, text: string) =>
  step(`wait for "${text}" in ${selector}`, () =>
    page.locator(selector).filter({ hasText: text }).waitFor({ timeout: TIMEOUT }))

export const text = (page: Page, selector: string) =>
  step(`text of ${selector}`, () => page.locator(selector).innerText({ timeout: TIMEOUT })).pipe(Effect.map((t) => t.trim()))

export const visible = (page: Page, selector: string) => step(`is ${selector} visible`, () => page.locator(selector).isVisible())

export interface CardView {
  readonly key: string
  readonly liveness: string
  readonly badgeColour: string
  readonly state: string
  readonly age: string
  readonly messages: string
}

export const cards = (page: Page) =>
  evaluate<ReadonlyArray<CardView>>(page, `[...document.querySelectorAll("#cards article.card")].map((card) => {
    const badge = card.querySelector(".card-head [data-liveness]")
    const field = (name) => card.querySelector('[data-field="' + name + '"] dd')?.textContent ?? ""
    return {
      key: card.dataset.connector,
      liveness: badge?.dataset.liveness ?? "",
      badgeColour: badge ? getComputedStyle(badge).backgroundColor : "",
      state: card.querySelector("[data-state]")?.dataset.state ?? "",
      age: field("age"),
      messages: field("messages")
    }
  })`)

export interface ChartView {
  readonly key: string
  readonly buckets: number
  readonly total: number
  readonly legend: string
  /** canvas pixels in the ingested-bars colour: proof that uPlot drew something */
  readonly barPixels: number
}

export const charts = (page: Page) =>
  evaluate<ReadonlyArray<ChartView>>(page, `[...document.querySelectorAll("#charts figure.chart")].map((figure) => {
    const canvas = figure.querySelector("canvas")
    let barPixels = 0
    if (canvas) {
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] > 0 && data[i + 2] > 200 && data[i] < 200 && data[i + 1] < 220) barPixels++
      }
    }
    return {
      key: figure.dataset.connector,
      buckets: Number(figure.dataset.buckets),
      total: Number(figure.dataset.total),
      legend: figure.querySelector(".u-legend")?.textContent ?? "",
      barPixels
    }
  })`)

export interface MatrixView {
  readonly targets: ReadonlyArray<string>
  /** "type/identity" → the cell texts in target order */
  readonly rows: Readonly<Record<string, ReadonlyArray<string>>>
}

export const matrix = (page: Page) =>
  evaluate<MatrixView>(page, `(() => {
    const table = document.querySelector("#fanout-matrix")
    if (!table) return { targets: [], rows: {} }
    const targets = [...table.querySelectorAll("thead th")].slice(1, -1).map((th) => th.textContent)
    const rows = {}
    for (const tr of table.querySelectorAll("tbody tr[data-connector]")) {
      rows[tr.dataset.connector] = [...tr.querySelectorAll("td[data-target]")].map((td) => td.textContent)
    }
    return { targets, rows }
  })()`)

export interface LogRow {
  readonly time: string
  readonly connector: string
  readonly state: string
  readonly message: string
}

export const errorLog = (page: Page) =>
  evaluate<ReadonlyArray<LogRow>>(page, `[...document.querySelectorAll("#error-log tbody tr")].map((tr) => ({
    time: tr.children[0].textContent,
    connector: tr.children[1].textContent,
    state: tr.querySelector("[data-state]")?.dataset.state ?? "",
    message: tr.children[3].textContent
  }))`)

export interface SdkRow {
  readonly id: string
  readonly status: string
  readonly faces: string
  readonly breaker: string
  readonly health: string
  readonly text: string
  readonly degraded: boolean
  /** the row's background colour, to prove the degraded style applies */
  readonly background: string
}

/** The rows of the "SDK connectors" panel. */
export const sdkRows = (page: Page) =>
  evaluate<ReadonlyArray<SdkRow>>(page, `[...document.querySelectorAll("#sdk-table tbody tr")].map((tr) => ({
    id: tr.dataset.connectorId,
    status: tr.children[1].textContent,
    faces: tr.children[2].textContent,
    breaker: tr.querySelector("[data-breaker]")?.dataset.breaker ?? "",
    health: tr.querySelector("[data-health]")?.dataset.health ?? "ok",
    text: tr.children[3].textContent,
    degraded: tr.classList.contains("sdk-degraded"),
    background: getComputedStyle(tr.children[1]).backgroundColor
  }))`)
