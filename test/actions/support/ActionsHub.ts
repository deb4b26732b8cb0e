/**
 * A real hub for action tests: the production routes and layers on a free port over a fresh test
 * database, with every provider pointed at one FakeProviders server, the action log in a temporary
 * file, and every hub log line captured (for the scans that look for secrets).
 */
import { HttpServer } from "@effect/platform"
import { ConfigProvider, Context, Effect, Layer, Logger, LogLevel, Option } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Live from "../../../layers/Live.js"
import type { Plan } from "../../../src/domain/Principal.js"
import type { RoleName } from "../../../src/domain/Roles.js"
import * as HttpHub from "../../../src/http/Server.js"
import { TokenStore } from "../../../services/TokenStore.js"
import * as Wait from "../../delivery/support/Wait.js"
import * as TestDatabase from "../../support/TestDatabase.js"
import { minter, testConfig } from "../../support/TestHub.js"
import * as FakeProviders from "./FakeProviders.js"

export interface ActionsHubInfo {
  readonly url: string
  readonly fake: FakeProviders.FakeProviders
  readonly logPath: string
  /** Every log line the hub wrote (structured, as JSON). */
  readonly hubLogs: ReadonlyArray<string>
  /** A fresh token (default role actions, plan free); answers its id and secret. */
  readonly mint: (options?: { readonly role?: RoleName; readonly plan?: Plan }) => Effect.Effect<{ readonly id: string; readonly token: string }>
}

export class ActionsHub extends Context.Tag("test/ActionsHub")<ActionsHub, ActionsHubInfo>() {}

/** The action log's entries so far. */
export const readLog = (path: string): ReadonlyArray<Record<string, unknown>> =>
  Fs.existsSync(path)
    ? Fs.readFileSync(path, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>)
    : []

/** The action log once it holds at least `count` entries (the writer is asynchronous). */
export const waitForLog = (path: string, count: number) =>
  Wait.until(
    `${count} action log entries in ${path}`,
    Effect.sync(() => {
      const entries = readLog(path)
      return entries.length >= count ? Option.some(entries) : Option.none()
    })
  )

/**
 * The hub with `env` on top of the fake's variables (a variable set to "" is left out, so a test can
 * unconfigure a provider).
 */
export const layerOver = <E, R>(database: Layer.Layer<Live.DatabaseServices, E, R>, env: Record<string, string> = {}) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const fake = yield* FakeProviders.make
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-actions-"))),
      (d) => Effect.sync(() => Fs.rmSync(d, { recursive: true, force: true }))
    )
    const logPath = Path.join(dir, "logs", "actions.log")
    const vars = Object.entries({ ...fake.env(), ACTIONS_LOG_PATH: logPath, ...env }).filter(([, v]) => v !== "")
    const provider = ConfigProvider.fromMap(new Map(vars)).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))
    const hubLogs: Array<string> = []
    const capture = Logger.map(Logger.structuredLogger, (entry) => {
      hubLogs.push(JSON.stringify(entry))
    })

    const info = Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const tokens = yield* TokenStore
      const address = server.address
      const url = address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : "unix"
      const mint = (options: { readonly role?: RoleName; readonly plan?: Plan } = {}) =>
        minter(tokens)({ role: options.role ?? "actions", plan: options.plan ?? "free" })
      return ActionsHub.of({ url, fake, logPath, hubLogs, mint })
    })

    return Layer.effect(ActionsHub, info).pipe(
      Layer.provideMerge(HttpHub.serve(HttpHub.Routes, { host: "127.0.0.1", port: 0 })),
      Layer.provideMerge(Live.appLayer(testConfig, database)),
      Layer.provide(Logger.replace(Logger.defaultLogger, capture)),
      Layer.provide(Logger.minimumLogLevel(LogLevel.All)),
      Layer.provide(Layer.setConfigProvider(provider))
    )
  }))

export const layerWith = (env: Record<string, string> = {}) => layerOver(TestDatabase.layer, env)

export const layer = layerWith()
