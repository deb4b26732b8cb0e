/**
 * `switchboard connectors …` against a hub (SWITCHBOARD_URL) over its connector API (src/sdk/HttpRoutes.ts),
 * with the caller's token as a bearer token. The hub's JSON errors come back typed: a 403 RoleDenied as
 * RoleDenied (exit code 2), anything else as HubRefused naming the hub's tag, status and message.
 */
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Effect, Layer, Option, Redacted, Schema } from "effect"
import type { OperationResult, ResourceOperation } from "../../services/ConnectorOperations.js"
import { Resource } from "../../services/ConnectorResources.js"
import { RegistryEntry, RegistryEvent, RegistryEventKind } from "../../services/ConnectorRegistry.js"
import { RoleDenied } from "../domain/ConnectorErrors.js"
import { PREFIX } from "../sdk/HttpRoutes.js"
import { ConnectorsBackend, HubRefused, HubUnreachable, type Session } from "./ConnectorsBackend.js"
import * as Lazy from "./Lazy.js"

const ErrorBody = Schema.Struct({
  _tag: Schema.String,
  message: Schema.String,
  required: Schema.optional(Schema.String),
  actual: Schema.optional(Schema.String)
})

const Page = Schema.Struct({ items: Schema.Array(Resource), next_page_token: Schema.optionalWith(Schema.String, { exact: true }) })
const Write = Schema.Struct({ resource: Resource, message: Schema.String, dry_run: Schema.Boolean })
const ImportAnswer = Schema.Struct({
  lines: Schema.Number,
  appended: Schema.Array(Schema.Struct({ connector_id: Schema.String, kind: RegistryEventKind })),
  unchanged: Schema.Number
})

export const make = (url: string) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient

    const sessionOf = (token: Option.Option<Redacted.Redacted<string>>): Session => {
      const authorized = (request: HttpClientRequest.HttpClientRequest) =>
        Option.match(token, { onNone: () => request, onSome: (t) => HttpClientRequest.bearerToken(request, Redacted.value(t)) })

      type Failure = RoleDenied | HubRefused | HubUnreachable

      const refused = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<never, Failure> =>
        response.json.pipe(
          Effect.flatMap(Schema.decodeUnknown(ErrorBody)),
          Effect.mapError(() => new HubUnreachable({ message: `${url} answered HTTP ${response.status} without the hub's error body` })),
          Effect.flatMap((body): Effect.Effect<never, Failure> =>
            body._tag === "RoleDenied"
              ? Effect.fail(new RoleDenied({ message: body.message, required: body.required ?? "unknown", actual: body.actual ?? "unknown" }))
              : Effect.fail(new HubRefused({ message: `${body._tag}: ${body.message} (HTTP ${response.status})`, status: response.status, tag: body._tag }))
          )
        )

      /** Sends `request`; a 2xx is read with `read`, anything else becomes the hub's typed error. */
      const send = <A>(
        request: HttpClientRequest.HttpClientRequest,
        read: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, unknown>
      ): Effect.Effect<A, Failure> =>
        client.execute(authorized(request)).pipe(
          Effect.mapError((e) => new HubUnreachable({ message: `cannot reach the hub at ${url}: ${e.message}` })),
          Effect.flatMap((response) =>
            response.status >= 200 && response.status < 300
              ? read(response).pipe(
                Effect.mapError(() => new HubUnreachable({ message: `${url} answered something that is not the hub's connector API` }))
              )
              : refused(response)
          ),
          Effect.scoped
        )

      const json = <A, I>(schema: Schema.Schema<A, I>) => (response: HttpClientResponse.HttpClientResponse): Effect.Effect<A, unknown> =>
        Effect.flatMap(response.json, Schema.decodeUnknown(schema))

      const at = (path: string) => `${url}${PREFIX}${path}`
      const resources = (id: string, type: string, rid?: string) =>
        at(`/${encodeURIComponent(id)}/resources/${encodeURIComponent(type)}${rid === undefined ? "" : `/${encodeURIComponent(rid)}`}`)

      const run = (id: string, op: ResourceOperation): Effect.Effect<OperationResult, Failure> => {
        const write = (request: HttpClientRequest.HttpClientRequest) =>
          Effect.map(send(request, json(Write)), (result): OperationResult => ({ _tag: "write", result }))
        switch (op._tag) {
          case "list": {
            const params: Record<string, string> = { limit: String(op.query.limit), filter: JSON.stringify(op.query.filter) }
            if (op.query.pageToken !== undefined) params["page_token"] = op.query.pageToken
            return Effect.map(
              send(HttpClientRequest.get(resources(id, op.type), { urlParams: params }), json(Page)),
              (page): OperationResult => ({ _tag: "page", page })
            )
          }
          case "get":
            return Effect.map(send(HttpClientRequest.get(resources(id, op.type, op.id)), json(Resource)), (resource): OperationResult => ({
              _tag: "resource",
              resource
            }))
          case "create":
            return write(HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(resources(id, op.type)), op.payload))
          case "update":
            return write(HttpClientRequest.bodyUnsafeJson(HttpClientRequest.patch(resources(id, op.type, op.id)), op.patch))
          case "delete":
            return write(HttpClientRequest.del(resources(id, op.type, op.id)))
        }
      }

      return {
        list: send(HttpClientRequest.get(at("")), json(Schema.Struct({ connectors: Schema.Array(RegistryEntry) }))).pipe(
          Effect.map((b) => b.connectors)
        ),
        register: (input) => send(HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(at("")), input), json(RegistryEntry)),
        setEnabled: (id, enabled) =>
          send(HttpClientRequest.post(at(`/${encodeURIComponent(id)}/${enabled ? "enable" : "disable"}`)), json(RegistryEntry)),
        history: (id) =>
          send(HttpClientRequest.get(at(`/${encodeURIComponent(id)}/history`)), json(Schema.Struct({ events: Schema.Array(RegistryEvent) }))).pipe(
            Effect.map((b) => b.events)
          ),
        exportJsonl: send(HttpClientRequest.get(at("/export")), (r) => r.text),
        importJsonl: (text) =>
          send(HttpClientRequest.bodyText(HttpClientRequest.post(at("/import")), text, "application/x-ndjson"), json(ImportAnswer)),
        run
      }
    }

    return ConnectorsBackend.of({ where: `hub ${url}`, as: (token) => Effect.succeed(sessionOf(token)) })
  })

export const layer = (url: string) => Layer.effect(ConnectorsBackend, make(url)).pipe(Layer.provide(Lazy.HttpClientLive))
