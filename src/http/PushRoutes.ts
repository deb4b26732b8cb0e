/**
 * One registration for every push endpoint: the hub serves `POST <path>` for each endpoint a connector
 * definition's source face declares (Telegram's webhook, Gmail's Pub/Sub push, a hosted SDK connector's),
 * so a new one needs no edit here or in Server.ts. The handler gets the path's `:endpoint` segment as
 * it came (its checks, body caps, answers and logs are the endpoint's own).
 */
import { HttpLayerRouter } from "@effect/platform"
import { Effect } from "effect"
import * as HostedDefinitions from "../connectors/HostedDefinitions.js"
import { builtins } from "../connectors/Registry.js"
import { ConnectorConfigInvalid } from "../../services/ConnectorConfig.js"
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

/** Adds a route for each push endpoint of `definitions`, each handler built once (a bad path is a defect). */
const addAll = (router: HttpLayerRouter.HttpRouter, definitions: ReadonlyArray<ConnectorDefinition<unknown>>) =>
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

/** Routes for the push endpoints of `definitions`. */
export const layerFor = (definitions: ReadonlyArray<ConnectorDefinition<unknown>>) =>
  HttpLayerRouter.use((router) => addAll(router, definitions))

/**
 * The push endpoints the hub serves: the built-ins', and those of the registered connectors it hosts
 * (SWITCHBOARD_CONNECTORS, when the hub has HostedConnectors and a ConnectorRegistry). A registered one that
 * does not load is left to HostedLive, which fails the start naming it; one whose push path is taken or has no
 * `:endpoint` fails the start here, in one line.
 */
export const layer = HttpLayerRouter.use((router) =>
  Effect.gen(function*() {
    const registered = yield* HostedDefinitions.registeredHosted
    const definitions = [...builtins, ...registered.filter((d) => (d.source?.push ?? []).length > 0)]
    const problem = problemOf(definitions)
    if (problem !== undefined) {
      return yield* new ConnectorConfigInvalid({ problems: [`SWITCHBOARD_CONNECTORS: a hosted connector's ${problem}`] })
    }
    yield* addAll(router, definitions)
  }))
