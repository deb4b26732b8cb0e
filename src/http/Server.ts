/** The hub's HTTP surface: REST API + OpenAPI + docs, the RPC endpoints, and response rules shared by all routes. */
import { HttpApiSwagger, HttpLayerRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Layer } from "effect"
import { RETRY_AFTER_OVERLOADED_S, RETRY_AFTER_UNAVAILABLE_S } from "../domain/Errors.js"
import * as RpcServerLive from "../rpc/Server.js"
import { HubApi } from "./Api.js"
import { HttpAuthLive } from "./Auth.js"
import { HandlersLive } from "./Handlers.js"

/** 429/503 always carry Retry-After; a 413 closes the connection so the rest of the body is never read. */
const withResponseRules = (response: HttpServerResponse.HttpServerResponse) => {
  switch (response.status) {
    case 429:
      return HttpServerResponse.setHeader(response, "retry-after", String(RETRY_AFTER_OVERLOADED_S))
    case 503:
      return HttpServerResponse.setHeader(response, "retry-after", String(RETRY_AFTER_UNAVAILABLE_S))
    case 413:
      return HttpServerResponse.setHeader(response, "connection", "close")
    default:
      return response
  }
}

const ResponseRules = HttpLayerRouter.middleware((effect) => Effect.map(effect, withResponseRules), { global: true })

export const ApiRoutes = HttpLayerRouter.addHttpApi(HubApi, { openapiPath: "/openapi.json" }).pipe(
  Layer.provide(HandlersLive),
  Layer.provide(HttpAuthLive)
)

export const DocsRoutes = HttpApiSwagger.layerHttpLayerRouter({ api: HubApi, path: "/docs" })

export const Routes = Layer.mergeAll(ApiRoutes, DocsRoutes, RpcServerLive.RoutesLive, ResponseRules)

/** Serves `routes` on the HttpServer provided by the caller (who must build it last: EFFECT_NOTES G22). */
export const serve = <A, E, R>(routes: Layer.Layer<A, E, R>) =>
  HttpLayerRouter.serve(routes, { disableLogger: true, disableListenLog: true })
