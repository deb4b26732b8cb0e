/**
 * The operator console's pages (issue 12): `/` (landing and hub status), `/requests`, `/targets`,
 * `/deliveries`, and their assets under `/console/assets/<name>`. Hand-written ES modules and CSS (no build
 * step), the dashboard's token handling, formatting and base styles, and uPlot; read once when the layer is
 * built (a missing file fails the start naming it) and served with an ETag and the strict CSP of
 * src/http/StaticAssets.ts. The pages hold no data: they call the token-protected console API from the browser.
 */
import { HttpLayerRouter } from "@effect/platform"
import { Effect, Layer } from "effect"
import * as StaticAssets from "../http/StaticAssets.js"
import { inPackage } from "../PackageRoot.js"

const own = (name: string) => inPackage("src/console/assets", name)
const dashboard = (name: string) => inPackage("src/dashboard/assets", name)
const WHAT = "console asset"
const { CSS, HTML, JS } = StaticAssets

/** The pages, by path, and the HTML file each one is. */
export const pages: ReadonlyArray<{ readonly path: `/${string}`; readonly name: string }> = [
  { path: "/", name: "index.html" },
  { path: "/requests", name: "requests.html" },
  { path: "/targets", name: "targets.html" },
  { path: "/deliveries", name: "deliveries.html" }
]

const script = (name: string): StaticAssets.Source => ({ name, file: () => own(name), contentType: JS })

/** Every file the pages may load, by the name it is served under. */
export const sources: ReadonlyArray<StaticAssets.Source> = [
  ...pages.map(({ name }) => ({ name, file: () => own(name), contentType: HTML })),
  script("home.js"),
  script("requests.js"),
  script("request-detail.js"),
  script("json-tree.js"),
  script("targets.js"),
  script("routes.js"),
  script("deliveries.js"),
  script("shell.js"),
  script("api.js"),
  script("dom.js"),
  { name: "console.css", file: () => own("console.css"), contentType: CSS },
  // Shared with /connectors, so both sign in the same way and format alike.
  { name: "token.js", file: () => dashboard("api.js"), contentType: JS },
  { name: "format.js", file: () => dashboard("format.js"), contentType: JS },
  { name: "base.css", file: () => dashboard("app.css"), contentType: CSS },
  { name: "uPlot.esm.js", file: () => StaticAssets.fromPackage("uplot/dist/uPlot.esm.js"), contentType: JS },
  { name: "uPlot.min.css", file: () => StaticAssets.fromPackage("uplot/dist/uPlot.min.css"), contentType: CSS }
]

const htmlNames = new Set(pages.map((p) => p.name))

/** The console routes; fails at start, naming the file, if an asset is missing. */
export const layer = Layer.unwrapEffect(Effect.map(StaticAssets.load(sources, WHAT), (assets) =>
  HttpLayerRouter.addAll([
    ...pages.map(({ name, path }) => {
      const page = assets.get(name)
      return HttpLayerRouter.route("GET", path, page === undefined ? StaticAssets.notFound(WHAT, name) : StaticAssets.serve(page))
    }),
    HttpLayerRouter.route("GET", "/console/assets/:name", Effect.flatMap(HttpLayerRouter.params, ({ name = "" }) => {
      // Pages are served at their own paths only.
      const asset = htmlNames.has(name) ? undefined : assets.get(name)
      return asset === undefined ? Effect.succeed(StaticAssets.notFound(WHAT, name)) : StaticAssets.serve(asset)
    }))
  ])))
