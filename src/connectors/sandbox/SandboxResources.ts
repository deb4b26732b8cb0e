/**
 * The sandbox's Resources face (issue 11; the seed's SandboxConnector): CRUD on any resource type,
 * tenant-isolated, kept in the ResourceStore (Postgres in the hub and the CLI, so state survives between
 * separate CLI calls), with `SANDBOX_LATENCY_MS` added to every operation (Effect.sleep, so TestClock
 * drives it) and `SANDBOX_ERROR_RATE` (0.0–1.0) of them failing with a transient ConnectorUnavailable
 * (the Random service, so a seeded test is exact). A create with a taken id is a ResourceConflict.
 */
import { Config, Duration, Effect, Layer, Random } from "effect"
import { ResourceConnector, type ResourceConnectorService } from "../../../services/ConnectorResources.js"
import type { ResourceStore } from "../../../services/ResourceStore.js"
import { ConnectorUnavailable } from "../../domain/ConnectorErrors.js"
import * as StoreBacked from "../../sdk/StoreBacked.js"

export const CONNECTOR_ID = "sandbox"

export interface ResourceOptions {
  /** Added to every resource operation. */
  readonly latency: Duration.Duration
  /** Probability (0–1) that an operation fails with a transient ConnectorUnavailable. */
  readonly errorRate: number
}

export const resourceDefaults: ResourceOptions = { latency: Duration.zero, errorRate: 0 }

/** SANDBOX_LATENCY_MS (shared with the source face) and SANDBOX_ERROR_RATE. */
export const ResourcesConfig: Config.Config<ResourceOptions> = Config.all({
  latency: Config.integer("SANDBOX_LATENCY_MS").pipe(
    Config.validate({ message: "SANDBOX_LATENCY_MS must be an integer >= 0", validation: (n) => n >= 0 }),
    Config.withDefault(0),
    Config.map(Duration.millis)
  ),
  errorRate: Config.number("SANDBOX_ERROR_RATE").pipe(
    Config.validate({ message: "SANDBOX_ERROR_RATE must be between 0.0 and 1.0", validation: (p) => p >= 0 && p <= 1 }),
    Config.withDefault(0)
  )
})

export const make = (options: ResourceOptions): Effect.Effect<ResourceConnectorService, never, ResourceStore> =>
  Effect.map(Effect.context<ResourceStore>(), (context) => {
    const injected = new ConnectorUnavailable({
      message: "sandbox: injected failure (SANDBOX_ERROR_RATE)",
      connector_id: CONNECTOR_ID,
      transient: true
    })
    const before = Effect.gen(function*() {
      yield* Effect.sleep(options.latency)
      if (options.errorRate > 0 && (yield* Random.next) < options.errorRate) return yield* injected
    })
    return ResourceConnector.of({
      resourceTypes: "*",
      connect: (connection) =>
        StoreBacked.make({ connector: CONNECTOR_ID, tenant: connection.tenant, before }).pipe(Effect.provide(context))
    })
  })

/** The Resources face from SANDBOX_LATENCY_MS and SANDBOX_ERROR_RATE, over the host's ResourceStore. */
export const layer = Layer.effect(ResourceConnector, Effect.flatMap(ResourcesConfig, make))
