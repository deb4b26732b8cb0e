/**
 * A real hub for integration tests: the production routes and layers on a real HTTP socket
 * (a free port) over a fresh test database, plus helpers to mint tokens.
 */
import { HttpServer } from "@effect/platform"
import { Context, Effect, Layer, LogLevel, Logger, Redacted } from "effect"
import * as Live from "../../layers/Live.js"
import type { HubConfigShape } from "../../services/HubConfig.js"
import { type NewToken, TokenStore, type TokenStoreService } from "../../services/TokenStore.js"
import * as HttpHub from "../../src/http/Server.js"
import { DEFAULT_TENANT, parseRole, type RoleName } from "../../src/domain/Roles.js"
import * as TestDatabase from "./TestDatabase.js"

export const testConfig: HubConfigShape = {
  host: "127.0.0.1",
  port: 0,
  dataDir: ".switchboard-test",
  maxInflight: 2048,
  devToken: false,
  logLevel: LogLevel.Warning
}

export interface TestHubInfo {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string
  /** An admin token with full scope. */
  readonly token: string
  /** Mints a token with the given scope (defaults: everything, role ingest, tenant default). */
  readonly mintToken: (scope?: MintOptions) => Effect.Effect<{ readonly id: string; readonly token: string }>
}

export class TestHub extends Context.Tag("test/TestHub")<TestHub, TestHubInfo>() {}

/** What a test token may set; `role` is a role of the model or the legacy `read` (which is viewer). */
export type MintOptions = Partial<Omit<NewToken, "role">> & { readonly role?: RoleName }

/** Mints a test token on `tokens`: full scope, role ingest, tenant default, unless `scope` says otherwise. */
export const minter = (tokens: TokenStoreService) => ({ role = "ingest", ...scope }: MintOptions = {}) =>
  Effect.suspend(() => {
    const parsed = parseRole(role)
    return parsed === undefined ? Effect.dieMessage(`minter: "${role}" is not a role`) : tokens.create({
      env: "test",
      channel: "*",
      provider: "*",
      endpoint_identity: "*",
      tenant: DEFAULT_TENANT,
      label: null,
      expires_at: null,
      replaces: null,
      ...scope,
      role: parsed
    })
  }).pipe(Effect.map(({ record, secret }) => ({ id: record.id, token: Redacted.value(secret) })), Effect.orDie)

const info = Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  const address = server.address
  const url = address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : "unix"
  const mintToken = minter(yield* TokenStore)
  const admin = yield* mintToken({ role: "admin" })
  return TestHub.of({ url, token: admin.token, mintToken })
})

/** The hub over a given database layer (so a test can put a proxy between hub and database). */
export const layerWith = <E, R>(database: Layer.Layer<Live.DatabaseServices, E, R>, config: HubConfigShape = testConfig) =>
  Layer.effect(TestHub, info).pipe(
    Layer.provideMerge(HttpHub.serve(HttpHub.Routes, { host: "127.0.0.1", port: 0 })),
    Layer.provideMerge(Live.appLayer(config, database)),
    Layer.provide(Logger.minimumLogLevel(LogLevel.Warning))
  )

/** The hub over a fresh test database. */
export const layer = layerWith(TestDatabase.layer)
