/**
 * REST handlers of the connectors group: thin adapters from HTTP to the Heartbeats and Dashboard services,
 * with the hub's own source counts (SourceCounts) set beside each connector's heartbeat claims.
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Clock, Effect, Option, Schema } from "effect"
import { Forbidden, NotFound, Unavailable } from "../domain/Errors.js"
import * as Permissions from "../domain/Permissions.js"
import { CurrentPrincipal } from "../domain/Principal.js"
import { HubApi } from "../http/Api.js"
import { readJson } from "../http/Body.js"
import type { ConnectorKey, DashboardUnavailable } from "../../services/Dashboard.js"
import { Dashboard } from "../../services/Dashboard.js"
import { Heartbeats } from "../../services/Heartbeats.js"
import { keyOf, SourceCounts, type SourceCountsUnavailable } from "../../services/SourceCounts.js"
import { StatsConfig } from "../../services/StatsConfig.js"
import {
  ConnectorDetailResponse,
  type ConnectorListItem,
  ConnectorListResponse,
  ConnectorStatsResponse,
  ErrorsResponse,
  FanoutResponse,
  HubCountsResponse,
  SummaryResponse
} from "../domain/StatsApi.js"
import { iso } from "./Buckets.js"
import * as HubCounts from "./HubCounts.js"
import { connectorKeyOf, encodeCursor, parseCursor, parseListLimit } from "./Paging.js"
import { parseFanoutPeriod, parseLimit, parsePeriod, windowOf } from "./Period.js"

/** A heartbeat is a few hundred bytes; this leaves room for many capabilities and a long cursor. */
export const MAX_HEARTBEAT_BYTES = 64 * 1024

const RETRY_AFTER_S = 2

const allowed = (operation: "dashboard.read" | "stats.read") =>
  Effect.flatMap(CurrentPrincipal, (p) =>
    Permissions.allows(p, operation)
      ? Effect.void
      : Effect.fail(new Forbidden({
        message: `a token with role "${p.role}" may not read the dashboard (needs ${Permissions.describe(operation)})`
      })))
const readable = allowed("dashboard.read")

const unavailable = (e: DashboardUnavailable | SourceCountsUnavailable) =>
  Effect.logWarning("dashboard: database unavailable").pipe(
    Effect.annotateLogs({ reason: e.message }),
    Effect.zipRight(Effect.fail(new Unavailable({ message: `database unavailable: ${e.message}`, retry_after_s: RETRY_AFTER_S })))
  )

/**
 * Answers are built to the response schemas' types and sent as plain JSON: encoding a thousand
 * connectors through Schema costs tens of milliseconds and transforms nothing (the schemas have no
 * transformations), so it is skipped; the API tests decode every answer with the schemas.
 */
const json = <S extends Schema.Schema.Any>(_schema: S, value: Schema.Schema.Type<S>) =>
  HttpServerResponse.unsafeJson(value)

const notFound = (key: ConnectorKey) =>
  new NotFound({ message: `no connector ${key.connector_type}/${key.endpoint_identity} is registered` })

export const ConnectorsHandlersLive = HttpApiBuilder.group(HubApi, "connectors", (handlers) =>
  Effect.gen(function*() {
    const heartbeats = yield* Heartbeats
    const dashboard = yield* Dashboard
    const config = yield* StatsConfig
    const thresholds = { online_threshold_s: config.onlineThresholdS, stale_threshold_s: config.staleThresholdS }
    const generatedAt = Effect.map(Clock.currentTimeMillis, iso)
    const counts = yield* SourceCounts

    /** Sets the hub's counts of today beside each item's heartbeat numbers. */
    const withHub = <I extends ConnectorListItem>(items: ReadonlyArray<I>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const today = HubCounts.todayOf(now)
        const [totals, since] = yield* Effect.all([counts.totals(items, today.from, today.to), counts.countingSince], {
          concurrency: 2
        })
        return items.map((item) => HubCounts.withHub(item, totals.get(keyOf(item)), since, now))
      })

    return handlers
      .handleRaw("heartbeat", ({ request }) =>
        Effect.gen(function*() {
          const body = yield* readJson(request, MAX_HEARTBEAT_BYTES)
          return yield* heartbeats.receive(body, yield* CurrentPrincipal)
        }))
      .handleRaw("list", ({ urlParams }) =>
        Effect.gen(function*() {
          yield* readable
          const limit = yield* parseListLimit(urlParams.limit)
          const after = yield* parseCursor(urlParams.cursor)
          const page = yield* dashboard.list({ limit, after })
          return json(ConnectorListResponse, {
            data: yield* withHub(page.items),
            meta: {
              generated_at: yield* generatedAt,
              count: page.items.length,
              limit,
              next_cursor: page.next === null ? null : encodeCursor(page.next),
              ...thresholds
            }
          })
        }).pipe(Effect.catchTags({ DashboardUnavailable: unavailable, SourceCountsUnavailable: unavailable })))
      .handleRaw("summary", ({ urlParams }) =>
        Effect.gen(function*() {
          yield* readable
          const period = yield* parsePeriod(urlParams.period)
          const { data, window } = yield* dashboard.summary(period)
          return json(SummaryResponse, { data, meta: window })
        }).pipe(Effect.catchTag("DashboardUnavailable", unavailable)))
      .handleRaw("fanout", ({ urlParams }) =>
        Effect.gen(function*() {
          yield* readable
          const period = yield* parseFanoutPeriod(urlParams.period)
          const { data, window } = yield* dashboard.fanout(period)
          return json(FanoutResponse, { data, meta: window })
        }).pipe(Effect.catchTag("DashboardUnavailable", unavailable)))
      .handleRaw("errors", ({ urlParams }) =>
        Effect.gen(function*() {
          yield* readable
          const limit = yield* parseLimit(urlParams.limit)
          const data = yield* dashboard.errors(limit)
          return json(ErrorsResponse, { data, meta: { generated_at: yield* generatedAt, count: data.length, limit } })
        }).pipe(Effect.catchTag("DashboardUnavailable", unavailable)))
      .handleRaw("detail", ({ path }) =>
        Effect.gen(function*() {
          yield* readable
          const key = yield* connectorKeyOf(path)
          const found = yield* dashboard.detail(key)
          if (Option.isNone(found)) return yield* notFound(path)
          const [data] = yield* withHub([found.value])
          return json(ConnectorDetailResponse, { data: data ?? found.value, meta: { generated_at: yield* generatedAt, ...thresholds } })
        }).pipe(Effect.catchTags({ DashboardUnavailable: unavailable, SourceCountsUnavailable: unavailable })))
      .handleRaw("stats", ({ path, urlParams }) =>
        Effect.gen(function*() {
          yield* allowed("stats.read")
          const key = yield* connectorKeyOf(path)
          const period = yield* parsePeriod(urlParams.period)
          const found = yield* dashboard.stats(key, period)
          if (Option.isNone(found)) return yield* notFound(path)
          return json(ConnectorStatsResponse, { data: found.value.data, meta: found.value.window })
        }).pipe(Effect.catchTag("DashboardUnavailable", unavailable)))
      // Any source, registered or not: REST senders send no heartbeats, and what the hub saw of them still counts.
      .handleRaw("hubCounts", ({ path, urlParams }) =>
        Effect.gen(function*() {
          yield* allowed("stats.read")
          const key = yield* connectorKeyOf(path)
          const period = yield* HubCounts.parseHubCountsPeriod(urlParams.period)
          const now = yield* Clock.currentTimeMillis
          const window = windowOf(period, now)
          const [hours, since] = yield* Effect.all([counts.hourly(key, window.from, window.to), counts.countingSince], {
            concurrency: 2
          })
          const answer = HubCounts.series(key, period, hours, since, now)
          return json(HubCountsResponse, { data: answer.data, meta: answer.window })
        }).pipe(Effect.catchTag("SourceCountsUnavailable", unavailable)))
  }))
