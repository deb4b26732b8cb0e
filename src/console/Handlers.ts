/**
 * REST handlers of the console groups (issue 12): thin adapters from HTTP to RequestLog, DeliveryStore,
 * RoutingStore and TargetTester. Each checks the caller's role (Permissions.ts) before it reads a body;
 * query parameters and bodies are checked (src/console/Query.ts, Body.ts) before anything reaches a store.
 * Answers are built to the Console.ts schemas' types and sent as plain JSON (the schemas transform
 * nothing; the API tests decode every answer with them).
 */
import { HttpApiBuilder, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Clock, Effect, Either, Layer, Metric, Option, ParseResult, Redacted, Schema } from "effect"
import {
  BulkReplayPayload,
  DEFAULT_BULK_REPLAY,
  DEFAULT_PAGE_LIMIT,
  MAX_BULK_REPLAY,
  MAX_DRY_RUN_COUNT,
  MAX_PAGE_LIMIT,
  ReplayPayload,
  type RequestDetail,
  RouteCreatePayload,
  RouteEvaluationPayload,
  RoutePatchPayload,
  TargetCreatePayload,
  TargetPatchPayload
} from "../domain/Console.js"
import { Conflict, Forbidden, NotFound, Unavailable, ValidationError } from "../domain/Errors.js"
import * as Permissions from "../domain/Permissions.js"
import { CurrentPrincipal } from "../domain/Principal.js"
import { depthIssue, excerpt, unstorable } from "../domain/Text.js"
import { HUB_VERSION } from "../domain/Version.js"
import * as Signature from "../delivery/Signature.js"
import { HubApi } from "../http/Api.js"
import { readJson } from "../http/Body.js"
import { ingestInFlight } from "../metrics/Metrics.js"
import * as Rules from "../routing/Rules.js"
import { ActionTargets } from "../../services/ActionTargets.js"
import { DatabaseLocation } from "../../services/Database.js"
import { DeliveryStore } from "../../services/DeliveryStore.js"
import { RequestLog } from "../../services/RequestLog.js"
import { RoutingStore } from "../../services/RoutingStore.js"
import { Router } from "../../services/Router.js"
import { TargetTester } from "../../services/TargetTester.js"
import { collect } from "./Collect.js"
import * as Query from "./Query.js"
import { targetView } from "./Views.js"

/** Console bodies are small (a target, a rule, a filter): 64 KiB is generous. */
export const MAX_CONSOLE_BODY_BYTES = 64 * 1024

const RETRY_AFTER_S = 2

const json = (value: unknown, status = 200) => HttpServerResponse.unsafeJson(value, { status })

const empty = {}

/** The caller may do `operation`, else 403 naming the role it needs. */
const allowed = (operation: Permissions.Operation) =>
  Effect.flatMap(CurrentPrincipal, (p) =>
    Permissions.allows(p, operation)
      ? Effect.succeed(p)
      : Effect.fail(new Forbidden({ message: Permissions.denied(p, operation).message })))

const fromEither = <A>(e: Either.Either<A, ValidationError>) => Either.match(e, { onLeft: Effect.fail, onRight: Effect.succeed })

const unavailable = (e: { readonly message: string }) =>
  Effect.logWarning("console: database unavailable").pipe(
    Effect.annotateLogs({ reason: e.message }),
    Effect.zipRight(Effect.fail(new Unavailable({ message: `database unavailable: ${e.message}`, retry_after_s: RETRY_AFTER_S })))
  )

const notFound = (e: { readonly message: string }) => Effect.fail(new NotFound({ message: e.message }))
const invalidInput = (e: { readonly message: string }) =>
  Effect.fail(new ValidationError({ message: e.message, issues: [{ path: "(body)", message: e.message }] }))

/** Maps the stores' errors to the API's: not found 404, exists 409, bad input 400, database 503. */
const storeErrors = <A, R>(
  effect: Effect.Effect<A, { readonly _tag: string; readonly message: string }, R>
): Effect.Effect<A, NotFound | Conflict | ValidationError | Unavailable | Forbidden, R> =>
  Effect.catchAll(effect, (e) => {
    switch (e._tag) {
      case "RequestLogUnavailable":
      case "DeliveryStoreUnavailable":
      case "RoutingStoreUnavailable":
        return unavailable(e)
      case "RequestNotFound":
      case "TargetNotFound":
      case "RuleNotFound":
      case "DeadLetterNotFound":
        return notFound(e)
      case "TargetExists":
        return Effect.fail(new Conflict({ message: e.message }))
      case "RoutingInputInvalid":
        return invalidInput(e)
      default:
        return e instanceof NotFound || e instanceof Conflict || e instanceof ValidationError ||
            e instanceof Unavailable || e instanceof Forbidden
          ? Effect.fail(e)
          : Effect.die(e)
    }
  })

const issuesOf = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error).slice(0, 20).map((i) => ({
    path: i.path.length === 0 ? "(body)" : i.path.map(String).join("."),
    message: excerpt(i.message, 200)
  }))

/** Reads and decodes a JSON body (depth checked first, unknown keys refused); 400 names every bad path. */
const body = <A, I>(request: HttpServerRequest.HttpServerRequest, schema: Schema.Schema<A, I>, what: string) =>
  Effect.gen(function*() {
    const value = yield* readJson(request, MAX_CONSOLE_BODY_BYTES)
    const deep = depthIssue(value)
    if (deep !== undefined) {
      return yield* new ValidationError({ message: `invalid ${what}: ${deep.message}`, issues: [{ path: deep.path.map(String).join(".") || "(body)", message: deep.message }] })
    }
    return yield* Either.match(Schema.decodeUnknownEither(schema)(value, { errors: "all", onExcessProperty: "error" }), {
      onLeft: (e) => {
        const issues = issuesOf(e)
        return Effect.fail(new ValidationError({ message: `invalid ${what}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues }))
      },
      onRight: Effect.succeed
    })
  })

/** An optional body: an absent or empty one is `{}`. */
const optionalBody = <A, I>(request: HttpServerRequest.HttpServerRequest, schema: Schema.Schema<A, I>, what: string, fallback: A) => {
  const length = request.headers["content-length"]
  return length === "0" || (length === undefined && request.headers["transfer-encoding"] === undefined)
    ? Effect.succeed(fallback)
    : body(request, schema, what)
}

const now = Clock.currentTimeMillis

/** At most this many targets named in a replay. */
const MAX_REPLAY_TARGETS = 64

const replayTargets = (targets: ReadonlyArray<string> | undefined) =>
  targets === undefined
    ? Effect.succeed(null)
    : targets.length === 0 || targets.length > MAX_REPLAY_TARGETS
    ? Effect.fail(new ValidationError({
      message: `targets must list 1 to ${MAX_REPLAY_TARGETS} target names (or be left out for the request's own targets)`,
      issues: [{ path: "targets", message: `1 to ${MAX_REPLAY_TARGETS} names` }]
    }))
    : Effect.succeed([...new Set(targets)])

const requestNotFound = (what: string) => new NotFound({ message: `no accepted request ${what}` })



const NAME_MAX = 256

/** 400 naming the first field holding what Postgres cannot store as sent (NUL, a lone surrogate). */
const storable = (fields: ReadonlyArray<readonly [string, string | undefined]>) => {
  for (const [path, value] of fields) {
    const why = value === undefined ? undefined : unstorable(value)
    if (why !== undefined) return Effect.fail(new ValidationError({ message: `${path} ${why}`, issues: [{ path, message: why }] }))
  }
  return Effect.void
}

/** A path segment naming a target or rule: bounded before it reaches a message or a store. */
const segment = (path: string, value: string) =>
  value.length > NAME_MAX
    ? Effect.fail(new NotFound({ message: `no ${path} named ${excerpt(value, 40)}` }))
    : Effect.succeed(value)

export const RequestsHandlersLive = HttpApiBuilder.group(HubApi, "requests", (handlers) =>
  Effect.gen(function*() {
    const log = yield* RequestLog
    const deliveries = yield* DeliveryStore

    const detail = (found: Option.Option<RequestDetail>, what: string) =>
      Option.match(found, {
        onNone: () => Effect.fail(requestNotFound(what)),
        onSome: (data) => Effect.succeed(json({ data, meta: empty }))
      })

    return handlers
      .handleRaw("list", ({ urlParams }) =>
        Effect.gen(function*() {
          yield* allowed("requests.read")
          const { cursor, limit: rawLimit, ...params } = urlParams
          const filter = yield* fromEither(Query.parseFilter(params, yield* now))
          const limit = yield* fromEither(Query.parseLimit(rawLimit, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT))
          const after = yield* fromEither(Query.parseRequestCursor(cursor))
          const page = yield* log.list({ filter, after, limit })
          return json({
            data: page.items,
            meta: {
              limit,
              count: page.items.length,
              ...(page.next === undefined ? {} : { next_cursor: Query.encodeRequestCursor(page.next) })
            }
          })
        }).pipe(storeErrors))
      .handleRaw("get", ({ path }) =>
        Effect.gen(function*() {
          yield* allowed("requests.read")
          if (!Query.isRequestId(path.id)) return yield* requestNotFound(`with id ${excerpt(path.id, 40)}`)
          return yield* detail(yield* log.get(path.id.toLowerCase()), `with id ${path.id}`)
        }).pipe(storeErrors))
      .handleRaw("byKey", ({ path }) =>
        Effect.gen(function*() {
          yield* allowed("requests.read")
          const key = path.dedupe_key
          // No stored key is longer (scope + id bounded well under this) or holds what Postgres cannot store.
          if (key.length > 4096 || Query.parseFilter({ sender: key }, 0)._tag === "Left") {
            return yield* requestNotFound(`with dedupe key ${excerpt(key, 40)}`)
          }
          return yield* detail(yield* log.getByKey(key), `with dedupe key ${excerpt(key, 80)}`)
        }).pipe(storeErrors))
      .handleRaw("replay", ({ path, request }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("requests.replay")
          if (!Query.isRequestId(path.id)) return yield* requestNotFound(`with id ${excerpt(path.id, 40)}`)
          const payload = yield* optionalBody(request, ReplayPayload, "replay request", {})
          const targets = yield* replayTargets(payload.targets)
          const id = path.id.toLowerCase()
          const results = yield* deliveries.replayRequest(id, targets)
          yield* Effect.logInfo("console: request replayed").pipe(
            Effect.annotateLogs({ request_id: id, token_id: principal.token_id, deliveries: results.length })
          )
          return json({ data: { request_id: id, deliveries: results }, meta: empty })
        }).pipe(storeErrors))
      .handleRaw("replayMany", ({ request }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("requests.replay")
          const payload = yield* body(request, BulkReplayPayload, "bulk replay request")
          const filter = yield* fromEither(Query.parseFilter(payload.filter, yield* now, "filter."))
          if (Query.isEmpty(filter)) {
            return yield* new ValidationError({
              message: "filter must name at least one key (use since, e.g. {\"since\": \"30d\"}, to replay everything recent)",
              issues: [{ path: "filter", message: "must not be empty" }]
            })
          }
          const limit = payload.limit ?? DEFAULT_BULK_REPLAY
          if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BULK_REPLAY) {
            return yield* new ValidationError({
              message: `limit must be a whole number from 1 to ${MAX_BULK_REPLAY}`,
              issues: [{ path: "limit", message: `1 to ${MAX_BULK_REPLAY}` }]
            })
          }
          const targets = yield* replayTargets(payload.targets)
          if (payload.dry_run === true) {
            const counted = yield* log.count(filter, MAX_DRY_RUN_COUNT)
            return json({
              data: { dry_run: true, matched: counted.count, matched_exact: counted.exact, replayed: 0, already_pending: 0 },
              meta: { limit }
            })
          }
          const after = yield* fromEither(Query.parseRequestCursor(payload.cursor))
          // Pages are at most MAX_PAGE_LIMIT rows; a call replays up to `limit`, read page by page.
          const page = yield* collect(log, filter, after, limit)
          const ids = page.ids
          const totals = ids.length === 0 ? { replayed: 0, already_pending: 0 } : yield* deliveries.replayRequests(ids, targets)
          yield* Effect.logInfo("console: bulk replay").pipe(
            Effect.annotateLogs({ token_id: principal.token_id, requests: ids.length, deliveries: totals.replayed })
          )
          return json({
            data: { dry_run: false, matched: ids.length, matched_exact: true, ...totals },
            meta: { limit, ...(page.next === undefined ? {} : { next_cursor: Query.encodeRequestCursor(page.next) }) }
          })
        }).pipe(storeErrors))
  }))

/** The rule fields of a create/patch body, null-defaulted for a new rule. */
const ruleFields = (p: typeof RoutePatchPayload.Type) => ({
  ...(p.target === undefined ? {} : { target: p.target }),
  ...(p.priority === undefined ? {} : { priority: p.priority }),
  ...(p.channel === undefined ? {} : { channel: p.channel }),
  ...(p.provider === undefined ? {} : { provider: p.provider }),
  ...(p.endpoint_identity === undefined ? {} : { endpoint_identity: p.endpoint_identity }),
  ...(p.sender_identity === undefined ? {} : { sender_identity: p.sender_identity }),
  ...(p.text_pattern === undefined ? {} : { text_pattern: p.text_pattern }),
  ...(p.ignore_case === undefined ? {} : { ignore_case: p.ignore_case }),
  ...(p.stop === undefined ? {} : { stop: p.stop })
})

const MAX_RULE_FIELD_CHARS = 1024

/** Rule strings are bounded before validation echoes them (the pattern has its own 1000-character limit). */
const boundedRule = <P extends typeof RoutePatchPayload.Type>(p: P) => {
  const long = (["target", "channel", "provider", "endpoint_identity", "sender_identity", "text_pattern"] as const)
    .find((k) => {
      const v = p[k]
      return typeof v === "string" && v.length > MAX_RULE_FIELD_CHARS
    })
  return long === undefined
    ? Effect.succeed(p)
    : Effect.fail(new ValidationError({
      message: `${long} is longer than ${MAX_RULE_FIELD_CHARS} characters`,
      issues: [{ path: long, message: `at most ${MAX_RULE_FIELD_CHARS} characters` }]
    }))
}

export const TargetsHandlersLive = HttpApiBuilder.group(HubApi, "targets", (handlers) =>
  Effect.gen(function*() {
    const routing = yield* RoutingStore
    const deliveries = yield* DeliveryStore
    const actionTargets = yield* ActionTargets
    const tester = yield* TargetTester
    const router = yield* Router
    /** This hub routes by the change at once (others within SWITCHBOARD_ROUTING_REFRESH); the change is stored either way. */
    const applied = router.refresh.pipe(
      Effect.catchAll((e) =>
        Effect.logWarning("console: router not refreshed; it picks the change up at its next refresh").pipe(
          Effect.annotateLogs({ reason: e.message })
        ))
    )

    const liveTarget = (name: string) =>
      Effect.flatMap(routing.listTargets(false), (targets) =>
        Option.match(Option.fromNullable(targets.find((t) => t.name === name)), {
          onNone: () => Effect.fail(new NotFound({ message: `no target named ${excerpt(name, 64)}` })),
          onSome: Effect.succeed
        }))

    return handlers
      .handleRaw("list", () =>
        Effect.gen(function*() {
          yield* allowed("targets.read")
          const targets = yield* routing.listTargets(false)
          return json({ data: targets.map(targetView), meta: { count: targets.length } })
        }).pipe(storeErrors))
      .handleRaw("create", ({ request }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("targets.write")
          const p = yield* body(request, TargetCreatePayload, "target")
          const fields = ["name", "url", "secret", "action", "template", "owner"] as const
          const long = fields.find((k) => (p[k]?.length ?? 0) > 16 * 1024)
          if (long !== undefined) {
            return yield* new ValidationError({ message: `${long} is too long`, issues: [{ path: long, message: "at most 16 KiB" }] })
          }
          // Stored as sent or refused: a URL parser would silently turn a lone surrogate into U+FFFD.
          yield* storable(fields.map((k) => [k, p[k]] as const))
          if (p.action !== undefined) {
            if (p.url !== undefined || p.secret !== undefined) {
              return yield* new ValidationError({
                message: "an action target takes no url or secret",
                issues: [{ path: p.url !== undefined ? "url" : "secret", message: "not allowed with action" }]
              })
            }
            if (p.template === undefined || p.owner === undefined) {
              return yield* new ValidationError({
                message: "an action target needs template (the action's body as JSON) and owner (a token id)",
                issues: [{ path: p.template === undefined ? "template" : "owner", message: "required with action" }]
              })
            }
            const record = yield* actionTargets.add({ name: p.name, action: p.action, template: p.template, owner: p.owner })
            yield* applied
          yield* Effect.logInfo("console: target added").pipe(Effect.annotateLogs({ target: record.name, token_id: principal.token_id }))
            return json({ data: { target: targetView(record) }, meta: empty }, 201)
          }
          if (p.url === undefined) {
            return yield* new ValidationError({
              message: "give url (a webhook target) or action (an action target)",
              issues: [{ path: "url", message: "required" }]
            })
          }
          if (p.template !== undefined || p.owner !== undefined) {
            return yield* new ValidationError({
              message: "template and owner go with action, not with url",
              issues: [{ path: p.template !== undefined ? "template" : "owner", message: "only with action" }]
            })
          }
          const secret = p.secret === undefined ? Signature.generateSecret() : Redacted.make(p.secret)
          const record = yield* routing.addTarget({ name: p.name, url: p.url, secret })
          yield* applied
          yield* Effect.logInfo("console: target added").pipe(Effect.annotateLogs({ target: record.name, token_id: principal.token_id }))
          return json({
            data: { target: targetView(record), ...(p.secret === undefined ? { secret: Redacted.value(secret) } : {}) },
            meta: empty
          }, 201)
        }).pipe(storeErrors))
      .handleRaw("update", ({ path, request }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("targets.write")
          const name = yield* segment("target", path.name)
          const p = yield* body(request, TargetPatchPayload, "target change")
          if (p.url === undefined && p.rotate_secret !== true) {
            return yield* new ValidationError({
              message: "give url, rotate_secret: true, or both",
              issues: [{ path: "(body)", message: "nothing to change" }]
            })
          }
          if ((p.url?.length ?? 0) > 16 * 1024) {
            return yield* new ValidationError({ message: "url is too long", issues: [{ path: "url", message: "at most 16 KiB" }] })
          }
          yield* storable([["url", p.url]])
          const secret = p.rotate_secret === true ? Signature.generateSecret() : undefined
          const record = yield* routing.updateTarget(name, {
            ...(p.url === undefined ? {} : { url: p.url }),
            ...(secret === undefined ? {} : { secret })
          })
          yield* Effect.logInfo("console: target changed").pipe(
            Effect.annotateLogs({ target: name, token_id: principal.token_id, rotated: secret !== undefined })
          )
          return json({
            data: { target: targetView(record), ...(secret === undefined ? {} : { secret: Redacted.value(secret) }) },
            meta: empty
          })
        }).pipe(storeErrors))
      .handleRaw("remove", ({ path }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("targets.write")
          const name = yield* segment("target", path.name)
          const { rulesRemoved, target } = yield* routing.removeTarget(name)
          yield* applied
          yield* Effect.logInfo("console: target removed").pipe(Effect.annotateLogs({ target: name, token_id: principal.token_id }))
          return json({ data: { target: targetView(target), routes_removed: rulesRemoved }, meta: empty })
        }).pipe(storeErrors))
      .handleRaw("pause", ({ path }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("targets.operate")
          const name = yield* segment("target", path.name)
          const { held } = yield* deliveries.pauseTarget(name)
          yield* Effect.logInfo("console: target paused").pipe(Effect.annotateLogs({ target: name, token_id: principal.token_id, held }))
          return json({ data: { target: targetView(yield* liveTarget(name)), deliveries: held }, meta: empty })
        }).pipe(storeErrors))
      .handleRaw("resume", ({ path }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("targets.operate")
          const name = yield* segment("target", path.name)
          const { released } = yield* deliveries.resumeTarget(name)
          yield* Effect.logInfo("console: target resumed").pipe(
            Effect.annotateLogs({ target: name, token_id: principal.token_id, released })
          )
          return json({ data: { target: targetView(yield* liveTarget(name)), deliveries: released }, meta: empty })
        }).pipe(storeErrors))
      .handleRaw("test", ({ path }) =>
        Effect.gen(function*() {
          yield* allowed("targets.operate")
          const name = yield* segment("target", path.name)
          return json({ data: yield* tester.test(name), meta: empty })
        }).pipe(storeErrors))
      .handleRaw("routes", () =>
        Effect.gen(function*() {
          yield* allowed("targets.read")
          const rules = yield* routing.listRules
          return json({ data: rules, meta: { count: rules.length } })
        }).pipe(storeErrors))
      .handleRaw("addRoute", ({ request }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("targets.write")
          const p = yield* Effect.flatMap(body(request, RouteCreatePayload, "route"), boundedRule)
          const rule = yield* routing.addRule({
            priority: p.priority ?? 100,
            channel: p.channel ?? null,
            provider: p.provider ?? null,
            endpoint_identity: p.endpoint_identity ?? null,
            sender_identity: p.sender_identity ?? null,
            text_pattern: p.text_pattern ?? null,
            ignore_case: p.ignore_case ?? false,
            stop: p.stop ?? false,
            target: p.target
          })
          yield* applied
          yield* Effect.logInfo("console: route added").pipe(Effect.annotateLogs({ route: rule.id, token_id: principal.token_id }))
          return json({ data: rule, meta: empty }, 201)
        }).pipe(storeErrors))
      .handleRaw("updateRoute", ({ path, request }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("targets.write")
          const id = yield* segment("route", path.id)
          const p = yield* Effect.flatMap(body(request, RoutePatchPayload, "route change"), boundedRule)
          const rule = yield* routing.updateRule(id, ruleFields(p))
          yield* applied
          yield* Effect.logInfo("console: route changed").pipe(Effect.annotateLogs({ route: rule.id, token_id: principal.token_id }))
          return json({ data: rule, meta: empty })
        }).pipe(storeErrors))
      .handleRaw("removeRoute", ({ path }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("targets.write")
          const id = yield* segment("route", path.id)
          const rule = yield* routing.removeRule(id)
          yield* applied
          yield* Effect.logInfo("console: route removed").pipe(Effect.annotateLogs({ route: rule.id, token_id: principal.token_id }))
          return json({ data: rule, meta: empty })
        }).pipe(storeErrors))
      .handleRaw("evaluate", ({ request }) =>
        Effect.gen(function*() {
          yield* allowed("targets.read")
          const message = yield* body(request, RouteEvaluationPayload, "sample request")
          const snapshot = yield* routing.snapshot
          // The router's own compilation and evaluation (Rules.ts), on the rules as stored now.
          const explained = Rules.explain(snapshot.rules, snapshot.targets, {
            source_channel: message.channel,
            source_provider: message.provider,
            source_endpoint_identity: message.endpoint_identity,
            sender_identity: message.sender_identity,
            normalized_text: message.normalized_text
          })
          return json({ data: explained, meta: empty })
        }).pipe(storeErrors))
  }))

export const DeliveriesHandlersLive = HttpApiBuilder.group(HubApi, "deliveries", (handlers) =>
  Effect.gen(function*() {
    const deliveries = yield* DeliveryStore
    const location = yield* DatabaseLocation
    const startedAt = yield* now

    return handlers
      .handleRaw("deadLetters", ({ urlParams }) =>
        Effect.gen(function*() {
          yield* allowed("deadletters.read")
          const at = yield* now
          const target = urlParams.target === undefined || urlParams.target === "" ? null : urlParams.target
          if (target !== null && target.length > NAME_MAX) {
            return yield* new ValidationError({ message: "target is too long", issues: [{ path: "target", message: `at most ${NAME_MAX} characters` }] })
          }
          const since = urlParams.since === undefined || urlParams.since === ""
            ? null
            : yield* fromEither(Query.parseTime("since", urlParams.since, at))
          const limit = yield* fromEither(Query.parseLimit(urlParams.limit, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT))
          const after = yield* fromEither(Query.parseLetterCursor(urlParams.cursor))
          const page = yield* deliveries.listDeadLetterPage({ target, since, after, limit })
          return json({
            data: page.items,
            meta: {
              limit,
              count: page.items.length,
              ...(page.next === undefined ? {} : { next_cursor: Query.encodeLetterCursor(page.next) })
            }
          })
        }).pipe(storeErrors))
      .handleRaw("replayOne", ({ path }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("deadletters.replay")
          const id = yield* segment("dead letter", path.id)
          const result = yield* deliveries.replay(id)
          yield* Effect.logInfo("console: dead letter replayed").pipe(Effect.annotateLogs({ id, token_id: principal.token_id, result }))
          return json({ data: { id, result }, meta: empty })
        }).pipe(storeErrors))
      .handleRaw("replayAll", ({ request }) =>
        Effect.gen(function*() {
          const principal = yield* allowed("deadletters.replay")
          const { target } = yield* body(request, Schema.Struct({ target: Schema.String }), "dead-letter replay")
          if (target.length > NAME_MAX) return yield* new NotFound({ message: `no target named ${excerpt(target, 40)}` })
          const replayed = yield* deliveries.replayAll(target)
          yield* Effect.logInfo("console: dead letters replayed").pipe(Effect.annotateLogs({ target, token_id: principal.token_id, replayed }))
          return json({ data: { target, replayed }, meta: empty })
        }).pipe(storeErrors))
      .handleRaw("overview", () =>
        Effect.gen(function*() {
          yield* allowed("hub.status")
          const at = yield* now
          const data = yield* deliveries.overview(new Date(at))
          return json({ data, meta: { generated_at: new Date(at).toISOString() } })
        }).pipe(storeErrors))
      .handleRaw("status", () =>
        Effect.gen(function*() {
          yield* allowed("hub.status")
          const at = yield* now
          const inFlight = yield* Metric.value(ingestInFlight)
          // Status must answer when the database does not: its part is then `reachable: false`, never a 503.
          const depth = yield* deliveries.depth.pipe(Effect.timeout("2 seconds"), Effect.option)
          const sum = (rows: ReadonlyArray<{ readonly count: number }>) => rows.reduce((n, r) => n + r.count, 0)
          const reachable = Option.isSome(depth)
          return json({
            data: {
              status: reachable ? "ok" : "degraded",
              version: HUB_VERSION,
              database: { kind: location.kind, reachable },
              started_at: new Date(startedAt).toISOString(),
              uptime_s: Math.max(0, Math.floor((at - startedAt) / 1000)),
              in_flight: Math.max(0, inFlight.value),
              delivery_backlog: Option.match(depth, { onNone: () => null, onSome: (d) => sum(d.pending) }),
              dead_letters: Option.match(depth, { onNone: () => null, onSome: (d) => sum(d.deadLetters) })
            },
            meta: { generated_at: new Date(at).toISOString() }
          })
        }))
  }))

export const ConsoleHandlersLive = Layer.mergeAll(RequestsHandlersLive, TargetsHandlersLive, DeliveriesHandlersLive)
