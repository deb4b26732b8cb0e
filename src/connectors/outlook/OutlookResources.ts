/**
 * Mock Outlook's Resources face (issue 11; the seed's MockOutlookConnector): messages, folders and
 * contacts with list filters, last write wins by id (a create with a taken id replaces it), kept per
 * tenant in the ResourceStore — Postgres in the hub and the CLI (chosen over a JSONL file per tenant:
 * one store for every connector, transactional, no file locking between the hub and a CLI call).
 * `DRY_RUN` (default true): writes answer `[DRY-RUN] Would create messages/<id>` with `dry_run: true`
 * and change nothing; reads are served as usual. `OUTLOOK_TOKEN` is required (the mock calls no API).
 */
import { Config, Effect, Layer, Redacted } from "effect"
import { ResourceConnector, type ResourceConnectorService } from "../../../services/ConnectorResources.js"
import type { ResourceStore } from "../../../services/ResourceStore.js"
import * as StoreBacked from "../../sdk/StoreBacked.js"
import { RESOURCE_TYPES, validate } from "./Schemas.js"

export const CONNECTOR_ID = "outlook"

export interface Options {
  readonly token: Redacted.Redacted<string>
  /** Writes change nothing and say what they would do. */
  readonly dryRun: boolean
}

/** OUTLOOK_TOKEN (required, a secret) and DRY_RUN (default true). */
export const OutlookConfig: Config.Config<Options> = Config.all({
  // not Config.redacted: its "missing" error would read "<redacted>" instead of naming the variable
  token: Config.string("OUTLOOK_TOKEN").pipe(
    Config.validate({ message: "OUTLOOK_TOKEN must be set (1–4096 characters, not blank)", validation: (t) => t.trim() !== "" && t.length <= 4096 }),
    Config.map(Redacted.make)
  ),
  dryRun: Config.boolean("DRY_RUN").pipe(Config.withDefault(true))
})

export const make = (options: Options): Effect.Effect<ResourceConnectorService, never, ResourceStore> =>
  Effect.map(Effect.context<ResourceStore>(), (context) =>
    ResourceConnector.of({
      resourceTypes: RESOURCE_TYPES,
      connect: (connection) =>
        StoreBacked.make({
          connector: CONNECTOR_ID,
          tenant: connection.tenant,
          validate,
          onTakenId: "replace",
          dryRun: options.dryRun
        }).pipe(Effect.provide(context))
    }))

export const layer = Layer.effect(ResourceConnector, Effect.flatMap(OutlookConfig, make))
