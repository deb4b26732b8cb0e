/** The REST API (DESIGN.md §5.5), described once: routes, payloads, answers, errors; OpenAPI is derived from it. */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { IngestEnvelopeV1 } from "../domain/Envelope.js"
import { Forbidden, Overloaded, PayloadTooLarge, Unavailable, ValidationError } from "../domain/Errors.js"
import { BatchAnswer, IngestAnswer } from "../domain/IngestAnswer.js"
import { DeliveriesGroup, RequestsGroup, TargetsGroup } from "../console/Api.js"
import { ConnectorsGroup } from "../stats/Api.js"
import { HUB_VERSION } from "../domain/Version.js"
import { HttpAuth } from "./Auth.js"

export const BatchPayload = Schema.Struct({
  envelopes: Schema.Array(IngestEnvelopeV1).annotations({ description: "1 to 500 ingest.v1 envelopes" })
}).annotations({ identifier: "IngestBatchRequest" })

const ingestOne = HttpApiEndpoint.post("ingest", "/api/ingest")
  .setPayload(IngestEnvelopeV1)
  .addSuccess(IngestAnswer, { status: 202 })
  .annotate(OpenApi.Summary, "Submit one ingest.v1 envelope")
  .annotate(
    OpenApi.Description,
    "Accepted exactly once: a repeat of the same dedupe key answers the original request_id with duplicate: true."
  )

const ingestBatch = HttpApiEndpoint.post("ingestBatch", "/api/ingest/batch")
  .setPayload(BatchPayload)
  .addSuccess(BatchAnswer, { status: 202 })
  .annotate(OpenApi.Summary, "Submit up to 500 envelopes; one result per envelope, in order")

/**
 * The ingest routes HttpApi serves: all but `POST /api/ingest`, the hot path, which is a plain router route
 * (IngestRoute.ts) with the same answers; IngestGroup describes both.
 */
export class ServedIngestGroup extends HttpApiGroup.make("ingest")
  .add(ingestBatch)
  .addError(ValidationError)
  .addError(Forbidden)
  .addError(PayloadTooLarge)
  .addError(Overloaded)
  .addError(Unavailable)
  .middleware(HttpAuth)
{}

/** The ingest routes as described (OpenAPI, /docs); the group's errors and middleware cover both. */
export class IngestGroup extends ServedIngestGroup.add(ingestOne) {}

export const Health = Schema.Struct({ status: Schema.Literal("ok") }).annotations({ identifier: "Health" })
/** This hub as a cluster runner (issue 15): the singletons (hosted connectors, stats worker) running here now. */
export const ClusterReadiness = Schema.Struct({
  mode: Schema.Literal("single", "cluster"),
  runner: Schema.NullOr(Schema.String),
  singletons: Schema.Array(Schema.String),
  shards: Schema.Number
}).annotations({ identifier: "ClusterReadiness" })

export const Readiness = Schema.Struct({
  status: Schema.Literal("ready"),
  database: Schema.Literal("postgres", "embedded"),
  cluster: ClusterReadiness
}).annotations({ identifier: "Readiness" })

export class OpsGroup extends HttpApiGroup.make("ops")
  .add(HttpApiEndpoint.get("health", "/health").addSuccess(Health).annotate(OpenApi.Summary, "The process is up"))
  .add(
    HttpApiEndpoint.get("ready", "/ready")
      .addSuccess(Readiness)
      .addError(Unavailable)
      .annotate(OpenApi.Summary, "The database is reachable and migrated (503 otherwise), with the cluster singletons running on this hub")
  )
{}

/** The REST API as described: every route, OpenAPI at /openapi.json and the /docs page are built from it. */
export class HubApi extends HttpApi.make("switchboard")
  .add(IngestGroup)
  .add(OpsGroup)
  .add(ConnectorsGroup)
  .add(RequestsGroup)
  .add(TargetsGroup)
  .add(DeliveriesGroup)
  .annotate(OpenApi.Title, "Switchboard hub")
  .annotate(OpenApi.Version, HUB_VERSION)
{}

/** The routes HttpApi serves: HubApi without the plain `POST /api/ingest` route (see ServedIngestGroup). */
export class ServedApi extends HttpApi.make("switchboard")
  .add(ServedIngestGroup)
  .add(OpsGroup)
  .add(ConnectorsGroup)
  .add(RequestsGroup)
  .add(TargetsGroup)
  .add(DeliveriesGroup)
{}
