/**
 * Registered connectors that SWITCHBOARD_CONNECTORS names (issue 11), resolved through the ConnectorRegistry
 * service once the hub's database is there: the id must be registered, enabled, load, and have a source
 * face. Anything else is one line saying which connector and why, for the hub's start failure.
 */
import { Array as Arr, Effect, Either, Option } from "effect"
import type { ConnectorDefinition } from "../../services/ConnectorDefinition.js"
import type { ConnectorRegistryService } from "../../services/ConnectorRegistry.js"
import { types } from "../../src/connectors/Registry.js"
import type { Unavailable } from "../../src/domain/Errors.js"
import type { RunnableSource } from "./Builtins.js"

/** At most this many registered connectors are loaded to name the sources among them in an unknown-type line. */
const MAX_NAMED = 20

const facesOf = (definition: ConnectorDefinition) =>
  [...(definition.actions === undefined ? [] : ["actions"]), ...(definition.resources === undefined ? [] : ["resources"])]
    .join(" and ") || "no face"

/** The registered, enabled connectors other than the built-ins whose definitions load and have a source face. */
const registeredSources = (registry: ConnectorRegistryService): Effect.Effect<string, Unavailable> =>
  Effect.gen(function*() {
    const candidates = (yield* registry.list).filter((e) => e.enabled && !registry.builtinIds.includes(e.connector_id))
    const loaded = yield* Effect.forEach(candidates.slice(0, MAX_NAMED), (e) =>
      registry.load(e.connector_id).pipe(
        Effect.map(Option.some),
        // one that cannot load is not a source this hub could run; it is not this line's business why
        Effect.catchTags({
          ConnectorUnknown: () => Effect.succeedNone,
          ConnectorDisabled: () => Effect.succeedNone,
          ConnectorLoadFailed: () => Effect.succeedNone
        })
      ))
    const names = Arr.getSomes(loaded).filter((d) => d.source !== undefined).map((d) => d.id)
    if (names.length === 0) return candidates.length > MAX_NAMED ? `none among the first ${MAX_NAMED} registered` : "none"
    return candidates.length > MAX_NAMED ? `${names.join(", ")}, …` : names.join(", ")
  })

/** The line for an id that is neither a built-in source nor registered. */
const unknownLine = (id: string, registered: string) =>
  `unknown connector type "${id}" (built-in: ${types.join(", ")}; registered sources: ${registered})`

/** Registered connector `id` as a runnable source, or the line that says why the hub cannot run it. */
export const resolve = (
  registry: ConnectorRegistryService,
  id: string
): Effect.Effect<Either.Either<RunnableSource, string>, Unavailable> =>
  registry.load(id).pipe(
    Effect.map((definition): Either.Either<RunnableSource, string> =>
      definition.source === undefined
        ? Either.left(`connector "${id}" has no source face (it has ${facesOf(definition)})`)
        : Either.right({ definition, source: definition.source })
    ),
    Effect.catchTags({
      ConnectorUnknown: () => Effect.map(registeredSources(registry), (names) => Either.left(unknownLine(id, names))),
      ConnectorDisabled: (e) => Effect.succeed(Either.left(e.message)),
      ConnectorLoadFailed: (e) => Effect.succeed(Either.left(e.message))
    })
  )
