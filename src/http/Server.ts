/** The hub's HTTP surface: REST API + OpenAPI + docs, the RPC endpoints, and response rules shared by all routes. */
import { HttpApiSwagger, HttpLayerRouter, OpenApi, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import * as ActionRoutes from "../actions/HttpRoutes.js"
import * as ActionRpcRoute from "../actions/RpcRoute.js"
import { ConsoleHandlersLive } from "../console/Handlers.js"
import * as ConsoleRoutes from "../console/Routes.js"
import * as DashboardRoutes from "../dashboard/Routes.js"
import { RETRY_AFTER_OVERLOADED_S, RETRY_AFTER_UNAVAILABLE_S } from "../domain/Errors.js"
import * as MetricsRoute from "../metrics/Route.js"
import * as GmailOAuthRoutes from "../oauth/GmailOAuthRoutes.js"
import * as RpcServerLive from "../rpc/Server.js"
import * as SdkRoutes from "../sdk/HttpRoutes.js"
import { ConnectorsHandlersLive } from "../stats/Handlers.js"
import { HubApi, ServedApi } from "./Api.js"
import { HttpAuthLive } from "./Auth.js"
import * as Failures from "./Failures.js"
import { HandlersLive } from "./Handlers.js"
import * as IngestRoute from "./IngestRoute.js"
import * as PushRoutes from "./PushRoutes.js"

/**
 * Every failure ends in a JSON answer (Failures.catchAll). 429/503 always carry Retry-After. A 413 for a declared Content-Length closes the connection, so the
 * body is never read; a chunked body that grew past the limit is drained by Node instead, so the
 * client reliably sees the 413 rather than a reset.
 */
const withDefaultHeader = (response: HttpServerResponse.HttpServerResponse, name: string, value: string) =>
  response.headers[name] === undefined ? HttpServerResponse.setHeader(response, name, value) : response

const withResponseRules = (request: HttpServerRequest.HttpServerRequest, response: HttpServerResponse.HttpServerResponse) => {
  switch (response.status) {
    case 429:
      return withDefaultHeader(response, "retry-after", String(RETRY_AFTER_OVERLOADED_S))
    case 503:
      // An answer that knows better (an open circuit breaker's cool-down) keeps its own Retry-After.
      return withDefaultHeader(response, "retry-after", String(RETRY_AFTER_UNAVAILABLE_S))
    case 413:
      return request.headers["content-length"] === undefined
        ? response
        : HttpServerResponse.setHeader(response, "connection", "close")
    default:
      return response
  }
}

const ResponseRules = HttpLayerRouter.middleware(
  (effect) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      Effect.map(Failures.catchAll(request, effect), (response) => withResponseRules(request, response))),
  { global: true }
)

export const ApiRoutes = HttpLayerRouter.addHttpApi(ServedApi).pipe(
  Layer.provide(HandlersLive),
  Layer.provide(ConnectorsHandlersLive),
  Layer.provide(ConsoleHandlersLive),
  Layer.provide(HttpAuthLive)
)

/** The description of every REST route, the plain ones included (HttpLayerRouter.addHttpApi's openapiPath, for HubApi). */
const OpenApiRoute = HttpLayerRouter.use((router) =>
  router.add("GET", "/openapi.json", Effect.succeed(HttpServerResponse.unsafeJson(OpenApi.fromApi(HubApi))))
)

export const DocsRoutes = Layer.merge(HttpApiSwagger.layerHttpLayerRouter({ api: HubApi, path: "/docs" }), OpenApiRoute)

export const Routes = Layer.mergeAll(ApiRoutes, IngestRoute.layer, DocsRoutes, RpcServerLive.RoutesLive, ResponseRules, DashboardRoutes.layer, MetricsRoute.layer, PushRoutes.layer, GmailOAuthRoutes.layer, ActionRoutes.layer, ActionRpcRoute.layer, SdkRoutes.layer, ConsoleRoutes.layer)

/**
 * Builds every route first and only then opens the port, so no request can reach a server whose
 * handler is not attached yet (EFFECT_NOTES G22): before that a client is refused at once.
 * Provides the HttpServer (for its address).
 */
export const serve = <E, R>(
  routes: Layer.Layer<never, E, R>,
  options: { readonly host: string; readonly port: number }
) =>
  Layer.scoped(
    HttpServer.HttpServer,
    Effect.gen(function*() {
      // find-my-way refuses path parameters over 100 characters with an empty 404; a parameter of any length
      // Node accepts reaches its handler, which names what is wrong with it (an endpoint identity may be 256 bytes).
      const handler = yield* HttpLayerRouter.toHttpEffect(routes).pipe(
        Effect.provideService(HttpLayerRouter.RouterConfig, { maxParamLength: 16 * 1024 })
      )
      const server = yield* NodeHttpServer.make(() => createServer(), { host: options.host, port: options.port })
      yield* server.serve(handler)
      return server
    })
  ).pipe(Layer.provide(NodeHttpServer.layerContext))
