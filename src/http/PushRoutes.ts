/**
 * One registration for every push endpoint: the hub serves `POST <path>` for each endpoint a connector
 * definition's source face declares (Telegram's webhook, Gmail's Pub/Sub push, any SDK connector's),
 * so a new one needs no edit here or in Server.ts. The handler gets the path's `:endpoint` segment as
 * it came (its checks, body caps, answers and logs are the endpoint's own).
 */
import { HttpLayerRouter } from "@effect/platform"
import { Effect } from "effect"
import { builtins } from "../connectors/Registry.js"
import type { ConnectorDefinition, PushEndpoint } from "../../services/ConnectorDefinition.js"

/** What is wrong with the push paths of `definitions` (declared twice, or without `:endpoint`), if anything. */
export const problemOf = (definitions: ReadonlyArray<ConnectorDefinition<unknown>>): string | undefined => {
  const paths = definitions.flatMap((d) => d.source?.push ?? []).map((e) => e.path)
  const repeated = paths.filter((p, i) => paths.indexOf(p) !== i)
  const unnamed = paths.filter((p) => !p.split("/").includes(":endpoint"))
  if (repeated.length > 0) return `push path declared twice: ${repeated.join(", ")}`
  if (unnamed.length > 0) return `push path without an :endpoint segment: ${unnamed.join(", ")}`
  return undefined
}

/** Routes for the push endpoints of `definitions`, each handler built once when the routes are (a bad path is a defect). */
export const layerFor = (definitions: ReadonlyArray<ConnectorDefinition<unknown>>) =>
  HttpLayerRouter.use((router) =>
    Effect.gen(function*() {
      const problem = problemOf(definitions)
      if (problem !== undefined) return yield* Effect.dieMessage(problem)
      const endpoints: ReadonlyArray<PushEndpoint> = definitions.flatMap((d) => d.source?.push ?? [])
      yield* Effect.forEach(endpoints, (endpoint) =>
        Effect.flatMap(endpoint.handler, (handle) =>
          router.add(
            "POST",
            endpoint.path,
            (request) => Effect.flatMap(HttpLayerRouter.params, ({ endpoint = "" }) => handle(request, endpoint))
          )), { discard: true })
    })
  )

/** The push endpoints of the built-in connectors. */
export const layer = layerFor(builtins)
