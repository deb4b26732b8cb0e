/** REST handlers: thin adapters from HTTP to the same use cases the RPC handlers call. */
import { HttpApiBuilder } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { Unavailable, ValidationError } from "../domain/Errors.js"
import { MAX_BATCH } from "../domain/IngestAnswer.js"
import { CurrentPrincipal } from "../domain/Principal.js"
import { migrations } from "../../migrations/index.js"
import { Cluster } from "../../services/Cluster.js"
import { DatabaseLocation } from "../../services/Database.js"
import { Ingest } from "../../services/Ingest.js"
import { HubApi, ServedApi } from "./Api.js"
import { readJson } from "./Body.js"

/** A batch may carry many envelopes, each up to the single-envelope limit; the body cap is generous but finite. */
export const MAX_BATCH_BODY_BYTES = 32 * 1024 * 1024

const batchShapeError = new ValidationError({
  message: `expected {"envelopes": [ ... ]} with 1 to ${MAX_BATCH} ingest.v1 envelopes`,
  issues: [{ path: "envelopes", message: "must be an array of ingest.v1 envelopes" }]
})

/** `POST /api/ingest/batch` (`POST /api/ingest` is the plain route of IngestRoute.ts). */
export const IngestHandlersLive = HttpApiBuilder.group(ServedApi, "ingest", (handlers) =>
  Effect.gen(function*() {
    const ingest = yield* Ingest
    return handlers
      .handleRaw("ingestBatch", ({ request }) =>
        Effect.gen(function*() {
          const body = yield* readJson(request, MAX_BATCH_BODY_BYTES)
          const envelopes = typeof body === "object" && body !== null && "envelopes" in body ? body.envelopes : undefined
          if (!Array.isArray(envelopes)) return yield* batchShapeError
          return yield* ingest.acceptBatch(envelopes, yield* CurrentPrincipal)
        }))
  }))

const latestMigration = Math.max(...Object.keys(migrations).map((k) => Number.parseInt(k, 10)))

export const OpsHandlersLive = HttpApiBuilder.group(HubApi, "ops", (handlers) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const location = yield* DatabaseLocation
    const cluster = yield* Cluster
    const notReady = (message: string) => new Unavailable({ message, retry_after_s: 2 })
    return handlers
      .handle("health", () => Effect.succeed({ status: "ok" as const }))
      .handle("ready", () =>
        sql<{ readonly id: number | null }>`SELECT max(migration_id) AS id FROM effect_sql_migrations`.pipe(
          // Disconnected: a query stuck on a frozen connection must not hold the answer past 2 s.
          Effect.disconnect,
          Effect.timeout("2 seconds"),
          Effect.mapError(() => notReady("database unreachable")),
          Effect.filterOrFail(
            (rows) => Number(rows[0]?.id ?? 0) >= latestMigration,
            () => notReady("database not migrated")
          ),
          Effect.zipRight(cluster.state),
          Effect.map((state) => ({ status: "ready" as const, database: location.kind, cluster: state }))
        ))
  }))

export const HandlersLive = Layer.mergeAll(IngestHandlersLive, OpsHandlersLive)
