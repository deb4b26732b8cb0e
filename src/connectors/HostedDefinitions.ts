/**
 * The definitions of the registered connectors this hub hosts (SWITCHBOARD_CONNECTORS entries that are not
 * built-ins), loaded through the ConnectorRegistry, for the parts of the hub that serve what a definition
 * declares: its push endpoints (src/http/PushRoutes.ts) and its source counters (src/metrics/Route.ts).
 * None without HostedConnectors or a registry (tests, admin commands); one that does not load is left out
 * here, because HostedLive fails the start naming it.
 */
import { Array as Arr, Effect, Option } from "effect"
import { HostedConnectors } from "../../services/ConnectorConfig.js"
import type { ConnectorDefinition } from "../../services/ConnectorDefinition.js"
import { ConnectorRegistry } from "../../services/ConnectorRegistry.js"
import { SOURCE_COUNTER_NAME } from "../domain/Heartbeat.js"
import { RUNTIME_COUNTERS } from "./Registry.js"

export const registeredHosted: Effect.Effect<ReadonlyArray<ConnectorDefinition>> = Effect.gen(function*() {
  const hosted = yield* Effect.serviceOption(HostedConnectors)
  const registry = yield* Effect.serviceOption(ConnectorRegistry)
  return yield* Option.match(Option.all([hosted, registry]), {
    onNone: () => Effect.succeed([]),
    onSome: ([h, r]) =>
      Effect.map(
        Effect.forEach(Arr.dedupe(h.registered.map((e) => e.connectorType)), (id) => Effect.option(r.load(id))),
        Arr.getSomes
      )
  })
})

/** At most this many declared counters of one registered source become label values. */
const MAX_COUNTERS = 32

/**
 * The source counters /metrics may export for a registered definition: the runtime's, then the ones it
 * declares whose names a heartbeat may carry (SOURCE_COUNTER_NAME), at most 32 (the module is not ours).
 */
export const exportableCounters = (definition: ConnectorDefinition): ReadonlyArray<string> => [
  ...RUNTIME_COUNTERS,
  ...(definition.source?.sourceCounters ?? []).filter((name) => SOURCE_COUNTER_NAME.test(name)).slice(0, MAX_COUNTERS)
]
