/**
 * The operator page at `GET /connectors` and its static assets (`/connectors/assets/<name>`): hand-written
 * ES modules and CSS plus uPlot, read once when the layer is built and served with an ETag and a strict CSP
 * (src/http/StaticAssets.ts). The page holds no data; it reads the token-protected `/api/connectors…` routes
 * from the browser.
 */
import { HttpLayerRouter } from "@effect/platform"
import { Effect, Layer } from "effect"
import * as StaticAssets from "../http/StaticAssets.js"
import { inPackage } from "../PackageRoot.js"

export { CONTENT_SECURITY_POLICY } from "../http/StaticAssets.js"

const own = (name: string) => inPackage("src/dashboard/assets", name)
const WHAT = "dashboard asset"
const { CSS, HTML, JS } = StaticAssets

/** Every file the page may load, by the name it is served under. */
export const sources: ReadonlyArray<StaticAssets.Source> = [
  { name: "index.html", file: () => own("index.html"), contentType: HTML },
  { name: "app.js", file: () => own("app.js"), contentType: JS },
  { name: "api.js", file: () => own("api.js"), contentType: JS },
  { name: "charts.js", file: () => own("charts.js"), contentType: JS },
  { name: "format.js", file: () => own("format.js"), contentType: JS },
  { name: "render.js", file: () => own("render.js"), contentType: JS },
  { name: "sdk.js", file: () => own("sdk.js"), contentType: JS },
  { name: "app.css", file: () => own("app.css"), contentType: CSS },
  { name: "uPlot.esm.js", file: () => StaticAssets.fromPackage("uplot/dist/uPlot.esm.js"), contentType: JS },
  { name: "uPlot.min.css", file: () => StaticAssets.fromPackage("uplot/dist/uPlot.min.css"), contentType: CSS }
]

/** The `/connectors` routes; fails at start, naming the file, if an asset is missing. */
export const layer = Layer.unwrapEffect(Effect.map(StaticAssets.load(sources, WHAT), (assets) => {
  const page = assets.get("index.html")
  return HttpLayerRouter.addAll([
    HttpLayerRouter.route("GET", "/connectors", page === undefined ? StaticAssets.notFound(WHAT, "index.html") : StaticAssets.serve(page)),
    HttpLayerRouter.route("GET", "/connectors/assets/:name", Effect.flatMap(HttpLayerRouter.params, ({ name = "" }) => {
      const asset = name === "index.html" ? undefined : assets.get(name)
      return asset === undefined ? Effect.succeed(StaticAssets.notFound(WHAT, name)) : StaticAssets.serve(asset)
    }))
  ])
}))
