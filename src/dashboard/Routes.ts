/**
 * The operator page at `GET /connectors` and its static assets (`/connectors/assets/<name>`): hand-written
 * ES modules and CSS plus uPlot, read once when the layer is built and served with an ETag and a strict CSP.
 * The page holds no data; it reads the token-protected `/api/connectors…` routes from the browser.
 */
import { FileSystem, HttpLayerRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Data, Effect, Layer } from "effect"
import { createHash } from "node:crypto"
import { createRequire } from "node:module"
import * as Path from "node:path"

/** An asset file of the page could not be read when the hub started. */
export class DashboardAssetMissing extends Data.TaggedError("DashboardAssetMissing")<{
  readonly file: string
  readonly message: string
}> {}

const own = (name: string) => Path.resolve(import.meta.dirname, "assets", name)
const fromPackage = (specifier: string) => createRequire(import.meta.url).resolve(specifier)

const JS = "text/javascript; charset=utf-8"
const CSS = "text/css; charset=utf-8"

/** Every file the page may load, by the name it is served under. */
const sources: ReadonlyArray<{ readonly name: string; readonly file: () => string; readonly contentType: string }> = [
  { name: "index.html", file: () => own("index.html"), contentType: "text/html; charset=utf-8" },
  { name: "app.js", file: () => own("app.js"), contentType: JS },
  { name: "api.js", file: () => own("api.js"), contentType: JS },
  { name: "charts.js", file: () => own("charts.js"), contentType: JS },
  { name: "format.js", file: () => own("format.js"), contentType: JS },
  { name: "render.js", file: () => own("render.js"), contentType: JS },
  { name: "sdk.js", file: () => own("sdk.js"), contentType: JS },
  { name: "app.css", file: () => own("app.css"), contentType: CSS },
  { name: "uPlot.esm.js", file: () => fromPackage("uplot/dist/uPlot.esm.js"), contentType: JS },
  { name: "uPlot.min.css", file: () => fromPackage("uplot/dist/uPlot.min.css"), contentType: CSS }
]

interface Asset {
  readonly body: Uint8Array
  readonly contentType: string
  readonly etag: string
}

/** Scripts, styles and API calls only from this origin; no inline script, no framing, no referrer. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join("; ")

const securityHeaders = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache"
}

const loadAssets = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const assets = new Map<string, Asset>()
  for (const source of sources) {
    const file = yield* Effect.try({
      try: source.file,
      catch: (cause) => new DashboardAssetMissing({ file: source.name, message: `cannot resolve ${source.name}: ${String(cause)}` })
    })
    const body = yield* fs.readFile(file).pipe(
      Effect.mapError((e) => new DashboardAssetMissing({ file, message: `cannot read dashboard asset ${file}: ${e.message}` }))
    )
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`
    assets.set(source.name, { body, contentType: source.contentType, etag })
  }
  return assets
})

const serveAsset = (asset: Asset) =>
  Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
    request.headers["if-none-match"] === asset.etag
      ? HttpServerResponse.empty({ status: 304, headers: { ...securityHeaders, etag: asset.etag } })
      : HttpServerResponse.uint8Array(asset.body, {
        contentType: asset.contentType,
        headers: { ...securityHeaders, etag: asset.etag }
      }))

const notFound = (name: string) =>
  HttpServerResponse.text(`no dashboard asset named ${JSON.stringify(name)}`, { status: 404, headers: securityHeaders })

/** The `/connectors` routes; fails at start, naming the file, if an asset is missing. */
export const layer = Layer.unwrapEffect(Effect.map(loadAssets, (assets) => {
  const page = assets.get("index.html")
  return HttpLayerRouter.addAll([
    HttpLayerRouter.route("GET", "/connectors", page === undefined ? notFound("index.html") : serveAsset(page)),
    HttpLayerRouter.route("GET", "/connectors/assets/:name", Effect.flatMap(HttpLayerRouter.params, ({ name = "" }) => {
      const asset = name === "index.html" ? undefined : assets.get(name)
      return asset === undefined ? Effect.succeed(notFound(name)) : serveAsset(asset)
    }))
  ])
}))
