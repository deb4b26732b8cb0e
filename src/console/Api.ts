/**
 * The operator console's REST routes (issue 12), described once: OpenAPI is derived from these groups.
 * Shapes and limits: src/domain/Console.ts. Every route needs a bearer token; the role each needs is in
 * src/domain/Permissions.ts (requests.*, deadletters.*, targets.*, hub.status). Bodies are read only after
 * the token and role are checked.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  BulkReplayPayload,
  BulkReplayResponse,
  DeadLetterListResponse,
  DeadLetterReplayAllResponse,
  DeadLetterReplayResponse,
  DeliveriesResponse,
  HubStatusResponse,
  ListParams,
  ReplayPayload,
  ReplayResponse,
  RequestDetailResponse,
  RequestListResponse,
  RouteCreatePayload,
  RouteEvaluationPayload,
  RouteEvaluationResponse,
  RouteListResponse,
  RoutePatchPayload,
  RouteResponse,
  TargetCreatedResponse,
  TargetCreatePayload,
  TargetListResponse,
  TargetPatchPayload,
  TargetPauseResponse,
  TargetRemovedResponse,
  TargetTestResponse
} from "../domain/Console.js"
import { Conflict, Forbidden, NotFound, PayloadTooLarge, Unavailable, ValidationError } from "../domain/Errors.js"
import { HttpAuth } from "../http/Auth.js"

const IdPath = Schema.Struct({ id: Schema.String })
const KeyPath = Schema.Struct({ dedupe_key: Schema.String })
const NamePath = Schema.Struct({ name: Schema.String })

export class RequestsGroup extends HttpApiGroup.make("requests")
  .add(
    HttpApiEndpoint.get("list", "/api/requests")
      .setUrlParams(ListParams)
      .addSuccess(RequestListResponse)
      .annotate(OpenApi.Summary, "Accepted requests, newest first, filtered and searched (role operator)")
  )
  .add(
    HttpApiEndpoint.get("byKey", "/api/requests/by-key/:dedupe_key")
      .setPath(KeyPath)
      .addSuccess(RequestDetailResponse)
      .annotate(OpenApi.Summary, "The request that owns a dedupe key, with its deliveries and attempts")
  )
  .add(
    HttpApiEndpoint.get("get", "/api/requests/:id")
      .setPath(IdPath)
      .addSuccess(RequestDetailResponse)
      .annotate(OpenApi.Summary, "One request: payload, attachments, every delivery with every attempt, dedupe derivation")
  )
  .add(
    HttpApiEndpoint.post("replayMany", "/api/requests/replay")
      .setPayload(BulkReplayPayload)
      .addSuccess(BulkReplayResponse)
      .annotate(OpenApi.Summary, "Replay the requests a filter matches (dry_run counts them first; capped per call)")
  )
  .add(
    HttpApiEndpoint.post("replay", "/api/requests/:id/replay")
      .setPath(IdPath)
      .setPayload(ReplayPayload)
      .addSuccess(ReplayResponse)
      .annotate(OpenApi.Summary, "Deliver a request again (any state) to its targets or chosen ones, same webhook-id")
  )
  .addError(ValidationError)
  .addError(Forbidden)
  .addError(NotFound)
  .addError(Conflict)
  .addError(PayloadTooLarge)
  .addError(Unavailable)
  .middleware(HttpAuth)
{}

export class TargetsGroup extends HttpApiGroup.make("targets")
  .add(HttpApiEndpoint.get("list", "/api/targets").addSuccess(TargetListResponse)
    .annotate(OpenApi.Summary, "Delivery targets (never their secrets)"))
  .add(
    HttpApiEndpoint.post("create", "/api/targets")
      .setPayload(TargetCreatePayload)
      .addSuccess(TargetCreatedResponse, { status: 201 })
      .annotate(OpenApi.Summary, "Add a webhook target (a generated secret is answered once) or an action target (admin)")
  )
  .add(
    HttpApiEndpoint.patch("update", "/api/targets/:name")
      .setPath(NamePath)
      .setPayload(TargetPatchPayload)
      .addSuccess(TargetCreatedResponse)
      .annotate(OpenApi.Summary, "Change a target's URL or rotate its secret (the new secret is answered once; admin)")
  )
  .add(
    HttpApiEndpoint.del("remove", "/api/targets/:name")
      .setPath(NamePath)
      .addSuccess(TargetRemovedResponse)
      .annotate(OpenApi.Summary, "Remove a target and its routes; its pending deliveries become dead letters (admin)")
  )
  .add(
    HttpApiEndpoint.post("pause", "/api/targets/:name/pause")
      .setPath(NamePath)
      .addSuccess(TargetPauseResponse)
      .annotate(OpenApi.Summary, "Pause a target: its deliveries wait, nothing is lost (operator)")
  )
  .add(
    HttpApiEndpoint.post("resume", "/api/targets/:name/resume")
      .setPath(NamePath)
      .addSuccess(TargetPauseResponse)
      .annotate(OpenApi.Summary, "Resume a paused target: the held deliveries are due now (operator)")
  )
  .add(
    HttpApiEndpoint.post("test", "/api/targets/:name/test")
      .setPath(NamePath)
      .addSuccess(TargetTestResponse)
      .annotate(OpenApi.Summary, "Send a signed test event and show the receiver's answer (operator)")
  )
  .add(HttpApiEndpoint.get("routes", "/api/routes").addSuccess(RouteListResponse)
    .annotate(OpenApi.Summary, "Routing rules in evaluation order"))
  .add(
    HttpApiEndpoint.post("addRoute", "/api/routes")
      .setPayload(RouteCreatePayload)
      .addSuccess(RouteResponse, { status: 201 })
      .annotate(OpenApi.Summary, "Add a routing rule (admin)")
  )
  .add(
    HttpApiEndpoint.post("evaluate", "/api/routes/evaluate")
      .setPayload(RouteEvaluationPayload)
      .addSuccess(RouteEvaluationResponse)
      .annotate(OpenApi.Summary, "Which targets the hub's router would send this request to, rule by rule")
  )
  .add(
    HttpApiEndpoint.patch("updateRoute", "/api/routes/:id")
      .setPath(IdPath)
      .setPayload(RoutePatchPayload)
      .addSuccess(RouteResponse)
      .annotate(OpenApi.Summary, "Change a routing rule's fields (admin)")
  )
  .add(
    HttpApiEndpoint.del("removeRoute", "/api/routes/:id")
      .setPath(IdPath)
      .addSuccess(RouteResponse)
      .annotate(OpenApi.Summary, "Remove a routing rule (admin)")
  )
  .addError(ValidationError)
  .addError(Forbidden)
  .addError(NotFound)
  .addError(Conflict)
  .addError(PayloadTooLarge)
  .addError(Unavailable)
  .middleware(HttpAuth)
{}

export class DeliveriesGroup extends HttpApiGroup.make("deliveries")
  .add(
    HttpApiEndpoint.get("deadLetters", "/api/deadletters")
      .setUrlParams(Schema.Struct({
        target: Schema.optional(Schema.String),
        since: Schema.optional(Schema.String.annotations({ description: "RFC 3339, or a lookback such as 24h" })),
        cursor: Schema.optional(Schema.String),
        limit: Schema.optional(Schema.String)
      }))
      .addSuccess(DeadLetterListResponse)
      .annotate(OpenApi.Summary, "Dead letters, newest first (operator)")
  )
  .add(
    HttpApiEndpoint.post("replayAll", "/api/deadletters/replay")
      .setPayload(Schema.Struct({ target: Schema.String }))
      .addSuccess(DeadLetterReplayAllResponse)
      .annotate(OpenApi.Summary, "Replay every unreplayed dead letter of a target (operator)")
  )
  .add(
    HttpApiEndpoint.post("replayOne", "/api/deadletters/:id/replay")
      .setPath(IdPath)
      .addSuccess(DeadLetterReplayResponse)
      .annotate(OpenApi.Summary, "Replay one dead letter, once, with the same webhook-id (operator)")
  )
  .add(
    HttpApiEndpoint.get("overview", "/api/deliveries")
      .addSuccess(DeliveriesResponse)
      .annotate(OpenApi.Summary, "Backlog, retrying and dead-lettered per target; attempts per minute over the last hour")
  )
  .add(
    HttpApiEndpoint.get("status", "/api/status")
      .addSuccess(HubStatusResponse)
      .annotate(OpenApi.Summary, "Hub status: database, version, uptime, in-flight submissions, delivery backlog")
  )
  .addError(ValidationError)
  .addError(Forbidden)
  .addError(NotFound)
  .addError(Conflict)
  .addError(PayloadTooLarge)
  .addError(Unavailable)
  .middleware(HttpAuth)
{}
