/**
 * The hub's connector API (issue 11), under `/sdk/connectors` (`/connectors` is the dashboard page and
 * `/api/connectors` the statistics API): the registry (list, register, enable, disable, history, export
 * as JSONL, import) and the resource operations of a connector for the caller's tenant. The bearer token
 * and the role are checked before a body is read; bodies are capped; every answer is JSON.
 */
import { HttpLayerRouter, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, ParseResult, Schema } from "effect"
import { ResourceInvalid } from "../domain/ConnectorErrors.js"
import * as Permissions from "../domain/Permissions.js"
import type { Principal } from "../domain/Principal.js"
import { depthIssue } from "../domain/Text.js"
import { readBytes, readJson } from "../http/Body.js"
import { authenticate } from "../rpc/Bearer.js"
import { refusedUnread, tooLarge } from "../rpc/Edge.js"
import type { OperationResult, ResourceOperation } from "../../services/ConnectorOperations.js"
import { TokenStore } from "../../services/TokenStore.js"
import * as HttpAnswers from "./HttpAnswers.js"
import * as HttpQuery from "./HttpQuery.js"
import * as RegistryAccess from "./RegistryAccess.js"
import { MAX_IMPORT_BYTES } from "./RegistryJsonl.js"

export const PREFIX = "/sdk/connectors"
/** A register call's body. */
export const MAX_REGISTER_BYTES = 16 * 1024
/** A resource payload's body (the SDK bounds the payload itself to 64 KiB of JSON). */
export const MAX_RESOURCE_BYTES = 128 * 1024

export const RegisterBody = Schema.Struct({
  connector_id: Schema.String,
  module: Schema.String,
  class_name: Schema.String,
  auth_type: Schema.optionalWith(Schema.String, { default: () => "env" }),
  scopes: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  enabled: Schema.optionalWith(Schema.Boolean, { exact: true })
})

const invalidBody = (error: ParseResult.ParseError) => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({
    path: i.path.map(String).join(".") || "(body)",
    message: i.message
  }))
  return new ResourceInvalid({ message: issues.map((i) => `${i.path}: ${i.message}`).join("; ").slice(0, 500), issues })
}

/**
 * The body as JSON nested at most MAX_BODY_DEPTH deep, checked before any schema sees it (a schema's
 * error prints the value it refused; printing one nested thousands deep overflows the stack).
 */
const readShallowJson = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.flatMap(readJson(request, limit), (value) => {
    const deep = depthIssue(value)
    if (deep === undefined) return Effect.succeed(value)
    const path = ["(body)", ...deep.path.map(String)].join(".")
    return Effect.fail(new ResourceInvalid({ message: `${path}: ${deep.message}`, issues: [{ path, message: deep.message }] }))
  })

/** The body as a JSON object (anything else is a 400 naming the body). */
const objectBody = (value: unknown) =>
  Schema.decodeUnknown(Schema.Record({ key: Schema.String, value: Schema.Unknown }))(value).pipe(
    Effect.mapError(() => new ResourceInvalid({ message: "(body): must be a JSON object", issues: [{ path: "(body)", message: "must be a JSON object" }] }))
  )

const resultResponse = (result: OperationResult, created = false) =>
  HttpServerResponse.unsafeJson(
    result._tag === "page" ? result.page : result._tag === "resource" ? result.resource : result.result,
    { status: created ? 201 : 200 }
  )

const ok = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })

export const layer = HttpLayerRouter.use((router) =>
  Effect.gen(function*() {
    const tokens = yield* TokenStore
    const access = yield* RegistryAccess.make
    const resourceRole = yield* Permissions.resourceRoleConfig

    /** Authenticates, then `handle`; a refusal before the body was read closes a connection that still carries one. */
    const route = (
      name: string,
      handle: (
        who: Principal,
        request: HttpServerRequest.HttpServerRequest,
        params: Readonly<Record<string, string | undefined>>
      ) => Effect.Effect<HttpServerResponse.HttpServerResponse, HttpAnswers.RouteError>
    ) =>
    (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const params = yield* HttpLayerRouter.params
        const who = yield* authenticate(tokens, request.headers["authorization"])
        return yield* handle(who, request, params)
      }).pipe(
        Effect.catchAll((e) =>
          Effect.map(HttpAnswers.failure(name, e), (response) =>
            e._tag === "PayloadTooLarge"
              ? tooLarge(request, response)
              : e._tag === "Unauthorized" || e._tag === "RoleDenied" || e._tag === "Unavailable"
              ? refusedUnread(request, response)
              : response)
        )
      )

    const idOf = (params: Readonly<Record<string, string | undefined>>) => HttpQuery.connectorId(params["id"] ?? "")

    yield* router.add("GET", PREFIX, route("connectors.list", (who) => Effect.map(access.list(who), (connectors) => ok({ connectors }))))
    // Breaker state (closed / open / half_open, health ok / degraded) of the connectors this hub has called.
    yield* router.add("GET", `${PREFIX}/health`, route("connectors.list", (who) => Effect.map(access.health(who), (connectors) => ok({ connectors }))))

    yield* router.add(
      "POST",
      PREFIX,
      route("connectors.register", (who, request) =>
        Effect.gen(function*() {
          yield* Permissions.check(who, "connectors.register")
          const body = yield* readShallowJson(request, MAX_REGISTER_BYTES)
          const input = yield* Schema.decodeUnknown(RegisterBody)(body, { errors: "all", onExcessProperty: "error" }).pipe(
            Effect.mapError(invalidBody)
          )
          return ok(yield* access.register(who, input), 201)
        }))
    )

    yield* router.add(
      "GET",
      `${PREFIX}/export`,
      route("connectors.export", (who) =>
        Effect.map(access.exportJsonl(who), (text) => HttpServerResponse.text(text, { contentType: "application/x-ndjson" })))
    )

    yield* router.add(
      "POST",
      `${PREFIX}/import`,
      route("connectors.import", (who, request) =>
        Effect.gen(function*() {
          yield* Permissions.check(who, "connectors.import")
          const bytes = yield* readBytes(request, MAX_IMPORT_BYTES)
          return ok(yield* access.importJsonl(who, Buffer.from(bytes).toString("utf8")))
        }))
    )

    for (const [action, enabled] of [["enable", true], ["disable", false]] as const) {
      yield* router.add(
        "POST",
        `${PREFIX}/:id/${action}`,
        route(`connectors.${action}`, (who, _request, params) =>
          Effect.flatMap(idOf(params), (id) => Effect.map(access.setEnabled(who, id, enabled), ok)))
      )
    }

    yield* router.add(
      "GET",
      `${PREFIX}/:id/history`,
      route("connectors.history", (who, _request, params) =>
        Effect.flatMap(idOf(params), (id) => Effect.map(access.history(who, id), (events) => ok({ connector_id: id, events })))))

    /** A resource operation: the role first, then the body (if any), then ConnectorOperations. */
    const resource = (
      operation: "list" | "get" | "create" | "update" | "delete",
      build: (
        request: HttpServerRequest.HttpServerRequest,
        type: string,
        rid: string
      ) => Effect.Effect<ResourceOperation, HttpAnswers.RouteError>
    ) =>
      route(`resources.${operation}`, (who, request, params) =>
        Effect.gen(function*() {
          yield* Permissions.check(who, `resources.${operation}`, { resourceRole })
          const id = yield* idOf(params)
          const op = yield* build(request, params["type"] ?? "", params["rid"] ?? "")
          return resultResponse(yield* access.run(who, id, op), operation === "create")
        }))

    const payload = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.flatMap(readShallowJson(request, MAX_RESOURCE_BYTES), objectBody)

    const one = `${PREFIX}/:id/resources/:type/:rid`
    yield* router.add("GET", `${PREFIX}/:id/resources/:type`, resource("list", (request, type) =>
      Effect.map(HttpQuery.listQuery(request.url), (query) => ({ _tag: "list", type, query }))))
    yield* router.add("POST", `${PREFIX}/:id/resources/:type`, resource("create", (request, type) =>
      Effect.map(payload(request), (body) => ({ _tag: "create", type, payload: body }))))
    yield* router.add("GET", one, resource("get", (_request, type, id) => Effect.succeed({ _tag: "get", type, id })))
    yield* router.add("PATCH", one, resource("update", (request, type, id) =>
      Effect.map(payload(request), (patch) => ({ _tag: "update", type, id, patch }))))
    yield* router.add("DELETE", one, resource("delete", (_request, type, id) => Effect.succeed({ _tag: "delete", type, id })))
  })
)

