/** Composition roots: the database, the stores and use cases on top of it, and the served hub. */
import { HttpServer } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import type { PgClient } from "@effect/sql-pg"
import { Console, Effect, Layer, Redacted } from "effect"
import * as HttpHub from "../src/http/Server.js"
import { CALLBACK_PATH as GMAIL_OAUTH_CALLBACK } from "../src/oauth/GmailOAuth.js"
import * as StatsWorker from "../src/stats/Worker.js"
import * as DevToken from "../src/tokens/DevToken.js"
import { DatabaseLocation } from "../services/Database.js"
import type { HubConfigShape } from "../services/HubConfig.js"
import * as ActionsLive from "./Actions/ActionsLive.js"
import * as ClusterLive from "./Cluster/ClusterLive.js"
import * as HostedConnectors from "./Connectors/ConnectorHostLive.js"
import { DatabaseLive, StoresLive } from "./DatabaseLive.js"
import * as DeliveryLive from "./Delivery/DeliveryLive.js"
import * as IngestLive from "./Ingest/IngestLive.js"
import { SdkLive } from "./SdkLive.js"
import * as StatsLive from "./Stats/StatsLive.js"
import * as PgRequestLog from "./RequestLog/PgRequestLog.js"
import * as HttpTargetTester from "./TargetTester/HttpTargetTester.js"
import * as OtlpTracing from "./Tracing/OtlpTracing.js"

/** The migrated database, the stores and the connector SDK over it (modules of their own, which admin commands load without the hub). */
export { DatabaseLive, SdkLive, StoresLive }

/** The operator console's read side and target test-send (issue 12). */
export const ConsoleLive = Layer.mergeAll(PgRequestLog.layer, HttpTargetTester.layer)

/** What the database layer gives the rest of the hub. */
export type DatabaseServices = SqlClient.SqlClient | PgClient.PgClient | DatabaseLocation

/** Use cases and stores over the given database (the configured one unless a test passes its own). */
export const appLayer = <E, R>(config: HubConfigShape, database: Layer.Layer<DatabaseServices, E, R>) =>
  Layer.mergeAll(IngestLive.layer({ ...IngestLive.defaults, maxInflight: config.maxInflight }), StatsLive.layer, ActionsLive.live(config.dataDir), SdkLive, ConsoleLive).pipe(
    Layer.provideMerge(DeliveryLive.RouterLive),
    // the hub as a cluster runner (or the single runner): singletons for hosted connectors and the stats worker
    Layer.provideMerge(ClusterLive.layer),
    Layer.provideMerge(StoresLive),
    Layer.provideMerge(database)
  )

const banner = (config: HubConfigShape) =>
  Effect.gen(function*() {
    const server = yield* HttpServer.HttpServer
    const location = yield* DatabaseLocation
    const address = server.address._tag === "TcpAddress"
      ? `http://${server.address.hostname}:${server.address.port}`
      : `unix:${server.address.path}`
    yield* Console.log(`Switchboard hub listening on ${address}`)
    yield* Console.log(`  database: ${location.kind} (${location.where})`)
    yield* Console.log(`  docs:     ${address}/docs   health: ${address}/health   ready: ${address}/ready`)
    yield* Console.log(`  console:  ${address}/ (requests, targets, deliveries; open ${address}/#token=<token>)`)
    yield* Console.log(`  dashboard: ${address}/connectors (paste the dev token, or open ${address}/connectors#token=<token>)`)
    // The dev token (admin, never expires) is for the embedded database; on a real server only on request,
    // and then never written over the embedded database's dev-token file.
    const embedded = location.kind === "embedded"
    if (config.devToken === true || (config.devToken === "auto" && embedded)) {
      const token = yield* DevToken.ensure(embedded ? config.dataDir : undefined)
      yield* Console.log(
        `  dev token (${token.created ? "new" : "reused"}${token.file === undefined ? ", not saved: DATABASE_URL" : `, saved in ${token.file}`}):`
      )
      yield* Console.log(`    ${Redacted.value(token.secret)}`)
    }
    yield* Effect.logInfo("hub started").pipe(Effect.annotateLogs({ address, database: location.kind }))
  })

/**
 * The hub's tracing: OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set, else the tracer disabled (spans
 * would only cost time on every request and query). Probes, scrapes and the OAuth callback (its query
 * carries the authorization code) get no server span.
 */
export const TracingLive = OtlpTracing.layer({
  serviceName: "switchboard-hub",
  untracedPaths: ["/health", "/ready", "/metrics", GMAIL_OAUTH_CALLBACK]
})

/** The whole hub: the app (database ready, migrated) and every route are built before the port opens. */
export const hubLayer = <E, R>(config: HubConfigShape, database: Layer.Layer<DatabaseServices, E, R>) =>
  Layer.mergeAll(
    Layer.effectDiscard(banner(config)),
    DeliveryLive.WorkerLive,
    StatsWorker.layer,
    HostedConnectors.HostedLive
  ).pipe(
    Layer.provideMerge(HttpHub.serve(HttpHub.Routes, { host: config.host, port: config.port })),
    Layer.provide(appLayer(config, database)),
    // hosted connectors' settings are checked first: a bad one fails the start before the database and the port
    Layer.provide(HostedConnectors.HostedConfigLive),
    // built first: a bad tracing setting fails the start before anything else, and every layer sees the tracer
    Layer.provide(TracingLive)
  )
