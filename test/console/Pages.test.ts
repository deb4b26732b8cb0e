/**
 * The console pages are served by the hub (no build step): every page and every file it loads, with the
 * strict CSP, ETags, no inline script or style, links between the pages; a missing asset fails the start.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Exit } from "effect"
import * as ConsoleRoutes from "../../src/console/Routes.js"
import * as StaticAssets from "../../src/http/StaticAssets.js"
import { request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import * as ConsoleHub from "./support/ConsoleHub.js"

const LINKS = ["/", "/requests", "/targets", "/deliveries", "/connectors", "/docs"]

const text = (body: unknown) => (typeof body === "string" ? body : JSON.stringify(body))

/** The /console/assets/… files a page names in `src` and `href`. */
const assetsOf = (html: string) =>
  [...html.matchAll(/(?:src|href)="\/console\/assets\/([^"]+)"/g)].map((m) => m[1] ?? "")

/** The files an ES module imports relatively ("./x.js"). */
const importsOf = (js: string) => [...js.matchAll(/(?:from|import)\s+"\.\/([^"]+)"/g)].map((m) => m[1] ?? "")

layer(ConsoleHub.layer, { excludeTestServices: true, timeout: 120_000 })("the console pages", (it) => {
  it.effect("serves every page with a strict CSP, its module script, and links to the others, /connectors and /docs", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      for (const { name, path } of ConsoleRoutes.pages) {
        const page = yield* request(`${hub.url}${path}`)
        assert.strictEqual(page.status, 200, path)
        assert.match(page.headers.get("content-type") ?? "", /^text\/html/, path)
        assert.strictEqual(page.headers.get("content-security-policy"), StaticAssets.CONTENT_SECURITY_POLICY, path)
        assert.strictEqual(page.headers.get("referrer-policy"), "no-referrer", path)
        const html = text(page.body)
        const script = name === "index.html" ? "home.js" : name.replace(".html", ".js")
        assert.include(html, `<script type="module" src="/console/assets/${script}"></script>`, path)
        for (const link of LINKS) assert.include(html, `href="${link}"`, `${path} links to ${link}`)
        assert.include(html, `<a href="${path}" aria-current="page">`, `${path} marks itself in the navigation`)
        assert.notMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${path}: no inline script`)
        assert.notMatch(html, /<style|\sstyle="/, `${path}: no inline style`)
        assert.include(html, `aria-live="polite"`, path)
        assert.include(html, `id="token-form" method="dialog"`, `${path}: the token form never navigates`)
      }
    }))

  it.effect("serves every file the pages load (and every module those import) with ETags; unknown names are a 404 naming them", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const seen = new Set<string>()
      const queue: Array<string> = []
      for (const { path } of ConsoleRoutes.pages) {
        queue.push(...assetsOf(text((yield* request(`${hub.url}${path}`)).body)))
      }
      assert.includeMembers(queue, ["base.css", "console.css", "home.js", "requests.js", "targets.js", "deliveries.js", "uPlot.min.css"])
      while (queue.length > 0) {
        const name = queue.shift() ?? ""
        if (seen.has(name)) continue
        seen.add(name)
        const res = yield* request(`${hub.url}/console/assets/${name}`)
        assert.strictEqual(res.status, 200, name)
        assert.match(res.headers.get("content-type") ?? "", name.endsWith(".js") ? /^text\/javascript/ : /^text\/css/, name)
        assert.strictEqual(res.headers.get("content-security-policy"), StaticAssets.CONTENT_SECURITY_POLICY, name)
        const again = yield* request(`${hub.url}/console/assets/${name}`, { headers: { "if-none-match": res.headers.get("etag") ?? "" } })
        assert.strictEqual(again.status, 304, name)
        if (name.endsWith(".js")) queue.push(...importsOf(text(res.body)))
      }
      assert.includeMembers([...seen], ["api.js", "token.js", "shell.js", "dom.js", "format.js", "request-detail.js", "json-tree.js", "routes.js", "uPlot.esm.js"])
      const served = new Set(ConsoleRoutes.sources.map((s) => s.name).filter((n) => !n.endsWith(".html")))
      assert.deepStrictEqual([...served].filter((n) => !seen.has(n)), [], "every served asset is used by a page")

      const missing = yield* request(`${hub.url}/console/assets/nope.js`)
      assert.strictEqual(missing.status, 404)
      assert.include(text(missing.body), "nope.js")
      const page = yield* request(`${hub.url}/console/assets/requests.html`)
      assert.strictEqual(page.status, 404, "pages are served at their own paths only")
    }))

  it.effect("shares the /connectors token handling: the same session-storage key and fragment adoption", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const shared = text((yield* request(`${hub.url}/console/assets/token.js`)).body)
      const dashboard = text((yield* request(`${hub.url}/connectors/assets/api.js`)).body)
      assert.strictEqual(shared, dashboard)
      assert.include(shared, "window.history.replaceState")
    }))
})

describe("console assets at start", () => {
  it.effect("a missing asset fails the start, naming the file", () =>
    Effect.gen(function*() {
      const exit = yield* StaticAssets.load(
        [...ConsoleRoutes.sources, { name: "gone.js", file: () => "/nonexistent/console/gone.js", contentType: StaticAssets.JS }],
        "console asset"
      ).pipe(Effect.exit)
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) {
        const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
        assert.strictEqual(error?._tag, "StaticAssetMissing")
        assert.strictEqual(error?.file, "/nonexistent/console/gone.js")
        assert.include(error?.message ?? "", "cannot read console asset /nonexistent/console/gone.js")
      }
      const unresolvable = yield* StaticAssets.load(
        [{ name: "uPlot.esm.js", file: () => StaticAssets.fromPackage("no-such-package/x.js"), contentType: StaticAssets.JS }],
        "console asset"
      ).pipe(Effect.flip)
      assert.strictEqual(unresolvable.file, "uPlot.esm.js")
      assert.include(unresolvable.message, "cannot resolve uPlot.esm.js")
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
