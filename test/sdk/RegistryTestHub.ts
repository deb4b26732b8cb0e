/**
 * A small hub for the SDK tests: the connector API routes (src/sdk/HttpRoutes.ts) on a real socket over
 * a fresh test database, with the production registry, resource store, ConnectorOperations and tokens,
 * plus a token minter. The CLI, run as a subprocess, reaches the same database (`databaseUrl`).
 */
import { HttpServer } from "@effect/platform"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Layer, LogLevel, Logger } from "effect"
import * as ConnectorOperationsLive from "../../layers/ConnectorOperations/ConnectorOperationsLive.js"
import * as PgConnectorRegistry from "../../layers/ConnectorRegistry/PgConnectorRegistry.js"
import * as Migrations from "../../layers/Database/Migrations.js"
import * as PgResourceStore from "../../layers/ResourceStore/PgResourceStore.js"
import * as PgTokenStore from "../../layers/TokenStore/PgTokenStore.js"
import { type NewToken, TokenStore } from "../../services/TokenStore.js"
import * as HttpHub from "../../src/http/Server.js"
import * as SdkRoutes from "../../src/sdk/HttpRoutes.js"
import * as TestDatabase from "../support/TestDatabase.js"
import { minter } from "../support/TestHub.js"

export interface SdkHubInfo {
  /** http://127.0.0.1:<port> */
  readonly url: string
  /** DATABASE_URL of the hub's database, for the CLI's local mode. */
  readonly databaseUrl: string
  /** Mints a token (full scope, role ingest, tenant default unless given). */
  readonly mint: (token?: Partial<NewToken>) => Effect.Effect<{ readonly id: string; readonly token: string }>
}

export class SdkHub extends Context.Tag("test/SdkHub")<SdkHub, SdkHubInfo>() {}

class Target extends Context.Tag("test/SdkHubTarget")<Target, TestDatabase.Target>() {}

const Database = Layer.provideMerge(Migrations.layer, Layer.unwrapEffect(Effect.map(Target, (t) => TestDatabase.servicesFor(t))))

const Stores = Layer.mergeAll(PgConnectorRegistry.layer, PgResourceStore.layer, PgTokenStore.layer, NodeHttpClient.layerUndici, NodeContext.layer)

const info = Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  const target = yield* Target
  const port = server.address._tag === "TcpAddress" ? server.address.port : 0
  return SdkHub.of({
    url: `http://127.0.0.1:${port}`,
    databaseUrl: `postgres://postgres@${target.host}:${target.port}/${target.database}`,
    mint: minter(yield* TokenStore)
  })
})

export const layer = Layer.effect(SdkHub, info).pipe(
  Layer.provideMerge(HttpHub.serve(SdkRoutes.layer, { host: "127.0.0.1", port: 0 })),
  Layer.provideMerge(ConnectorOperationsLive.layer),
  Layer.provideMerge(Stores),
  Layer.provideMerge(Database),
  Layer.provideMerge(Layer.scoped(Target, TestDatabase.freshTarget)),
  Layer.provide(Logger.minimumLogLevel(LogLevel.Warning))
)
