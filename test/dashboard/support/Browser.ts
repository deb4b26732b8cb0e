/**
 * Headless Chromium for end-to-end tests: Debian's `chromium` driven by playwright-core, a fresh
 * profile directory per browser, closed and removed with the scope. A missing browser is a test
 * failure naming the package to install, never a skip.
 */
import { Data, Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { type BrowserContext, chromium } from "playwright-core"

/** Where the browser is expected (CHROMIUM_PATH overrides). */
export const executablePath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"

export const launchArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

/** A browser step failed (Chromium missing, navigation, a selector that never appeared, …). */
export class BrowserStepFailed extends Data.TaggedError("BrowserStepFailed")<{
  readonly step: string
  readonly message: string
}> {}

/** Runs one playwright call as an effect; a rejection fails with the step's name and the reason. */
export const step = <A>(name: string, run: () => Promise<A>) =>
  Effect.tryPromise({
    try: run,
    catch: (cause) =>
      new BrowserStepFailed({ step: name, message: cause instanceof Error ? cause.message : String(cause) })
  })

const missing = new BrowserStepFailed({
  step: "launch",
  message: `Chromium not found at ${executablePath}: install the Debian package \`chromium\` ` +
    "(apt-get install -y chromium fonts-liberation) or set CHROMIUM_PATH"
})

/** A browser context with a fresh user-data-dir, closed (and the directory removed) when the scope closes. */
export const context = (options: { readonly width: number; readonly height: number }) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      if (!Fs.existsSync(executablePath)) return yield* missing
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "switchboard-chromium-"))
      const ctx = yield* step("launch", () =>
        chromium.launchPersistentContext(dir, {
          executablePath,
          headless: true,
          args: launchArgs,
          viewport: { width: options.width, height: options.height },
          timezoneId: "UTC",
          locale: "en-US"
        })).pipe(Effect.tapError(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))))
      return { ctx, dir }
    }),
    ({ ctx, dir }) =>
      step("close", () => ctx.close()).pipe(
        Effect.catchAll((e) => Effect.logWarning(`closing Chromium failed: ${e.message}`)),
        Effect.zipRight(Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      )
  ).pipe(Effect.map(({ ctx }): BrowserContext => ctx))
