/**
 * Static pages and their assets (the /connectors dashboard, the operator console): files read once when
 * a layer is built, so a missing one fails the start naming it, and served with an ETag and a strict CSP.
 */
import { FileSystem, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Data, Effect } from "effect"
import { createHash } from "node:crypto"
import { createRequire } from "node:module"

/** An asset file of a page could not be resolved or read when the hub started. */
export class StaticAssetMissing extends Data.TaggedError("StaticAssetMissing")<{
  readonly file: string
  readonly message: string
}> {}

export const JS = "text/javascript; charset=utf-8"
export const CSS = "text/css; charset=utf-8"
export const HTML = "text/html; charset=utf-8"

/** One file a page may load: the name it is served under, where it is read from, its content type. */
export interface Source {
  readonly name: string
  readonly file: () => string
  readonly contentType: string
}

/** The path of a file shipped in an npm package (uPlot), resolved from this module. */
export const fromPackage = (specifier: string) => createRequire(import.meta.url).resolve(specifier)

export interface Asset {
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

export const securityHeaders = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache"
}

/** Reads every source (`what` names the page in the error: "dashboard asset", "console asset"). */
export const load = (sources: ReadonlyArray<Source>, what: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const assets = new Map<string, Asset>()
    for (const source of sources) {
      const file = yield* Effect.try({
        try: source.file,
        catch: (cause) => new StaticAssetMissing({ file: source.name, message: `cannot resolve ${source.name}: ${String(cause)}` })
      })
      const body = yield* fs.readFile(file).pipe(
        Effect.mapError((e) => new StaticAssetMissing({ file, message: `cannot read ${what} ${file}: ${e.message}` }))
      )
      const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`
      assets.set(source.name, { body, contentType: source.contentType, etag })
    }
    return assets as ReadonlyMap<string, Asset>
  })

/** The asset, or a 304 when the browser already holds this version. */
export const serve = (asset: Asset) =>
  Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
    request.headers["if-none-match"] === asset.etag
      ? HttpServerResponse.empty({ status: 304, headers: { ...securityHeaders, etag: asset.etag } })
      : HttpServerResponse.uint8Array(asset.body, {
        contentType: asset.contentType,
        headers: { ...securityHeaders, etag: asset.etag }
      }))

/** A plain-text 404 naming the asset asked for (`what`: "dashboard asset", "console asset"). */
export const notFound = (what: string, name: string) =>
  HttpServerResponse.text(`no ${what} named ${JSON.stringify(name.slice(0, 200))}`, { status: 404, headers: securityHeaders })
