/** The connectors REST group: heartbeats in (ingest role), dashboard JSON out (read role). Shapes: src/domain/StatsApi.ts. */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Forbidden, NotFound, PayloadTooLarge, Unavailable, ValidationError } from "../domain/Errors.js"
import { HeartbeatAnswer, HeartbeatV1 } from "../domain/Heartbeat.js"
import { HttpAuth } from "../http/Auth.js"
import {
  ConnectorDetailResponse,
  ConnectorListResponse,
  ConnectorStatsResponse,
  ErrorsResponse,
  FanoutResponse,
  HubCountsResponse,
  SummaryResponse
} from "../domain/StatsApi.js"

const ConnectorPath = Schema.Struct({ connector_type: Schema.String, endpoint_identity: Schema.String })

const PeriodParams = Schema.Struct({
  period: Schema.optional(Schema.String.annotations({ description: "24h (default), 7d or 30d" }))
})

export class ConnectorsGroup extends HttpApiGroup.make("connectors")
  .add(
    HttpApiEndpoint.post("heartbeat", "/api/connectors/heartbeat")
      .setPayload(HeartbeatV1)
      .addSuccess(HeartbeatAnswer, { status: 202 })
      .annotate(OpenApi.Summary, "Send one connector.heartbeat.v1 (token role ingest or admin, scope covering the connector)")
  )
  .add(
    HttpApiEndpoint.get("list", "/api/connectors")
      .setUrlParams(Schema.Struct({
        limit: Schema.optional(Schema.String.annotations({ description: "1 to 500, default 100" })),
        cursor: Schema.optional(Schema.String.annotations({ description: "meta.next_cursor of the previous page" }))
      }))
      .addSuccess(ConnectorListResponse)
      .annotate(OpenApi.Summary, "One page of the registered connectors with liveness and today's numbers, by type and identity")
  )
  .add(
    HttpApiEndpoint.get("summary", "/api/connectors/summary")
      .setUrlParams(PeriodParams)
      .addSuccess(SummaryResponse)
      .annotate(OpenApi.Summary, "Totals over a period for all connectors")
  )
  .add(
    HttpApiEndpoint.get("fanout", "/api/connectors/fanout")
      .setUrlParams(Schema.Struct({
        period: Schema.optional(Schema.String.annotations({ description: "7d (default) or 30d" }))
      }))
      .addSuccess(FanoutResponse)
      .annotate(OpenApi.Summary, "Delivered messages per connector and target over complete days")
  )
  .add(
    HttpApiEndpoint.get("errors", "/api/connectors/errors")
      .setUrlParams(Schema.Struct({
        limit: Schema.optional(Schema.String.annotations({ description: "1 to 500, default 50" }))
      }))
      .addSuccess(ErrorsResponse)
      .annotate(OpenApi.Summary, "Recent heartbeats whose state was not healthy, newest first")
  )
  .add(
    HttpApiEndpoint.get("detail", "/api/connectors/:connector_type/:endpoint_identity")
      .setPath(ConnectorPath)
      .addSuccess(ConnectorDetailResponse)
      .annotate(OpenApi.Summary, "One connector: state, counters, checkpoint")
  )
  .add(
    HttpApiEndpoint.get("stats", "/api/connectors/:connector_type/:endpoint_identity/stats")
      .setPath(ConnectorPath)
      .setUrlParams(PeriodParams)
      .addSuccess(ConnectorStatsResponse)
      .annotate(OpenApi.Summary, "Hourly (24h, 7d) or daily (30d) statistics of one connector")
  )
  .add(
    HttpApiEndpoint.get("hubCounts", "/api/connectors/:connector_type/:endpoint_identity/hub-counts")
      .setPath(ConnectorPath)
      .setUrlParams(Schema.Struct({
        period: Schema.optional(Schema.String.annotations({ description: "24h (default) or 7d" }))
      }))
      .addSuccess(HubCountsResponse)
      .annotate(
        OpenApi.Summary,
        "Hourly counts the hub itself kept (accepted, duplicate, rejected) for the sources a connector type and identity name"
      )
  )
  .addError(ValidationError)
  .addError(Forbidden)
  .addError(NotFound)
  .addError(PayloadTooLarge)
  .addError(Unavailable)
  .middleware(HttpAuth)
{}
