/**
 * The read side of the inbox for the operator console (issue 12): accepted requests newest first,
 * filtered and searched, and one request with every delivery and every attempt. Writes stay with
 * InboxStore (ingest) and DeliveryStore (the worker, replays).
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type { Lifecycle, RequestDetail, RequestSummary } from "../src/domain/Console.js"

/** A checked filter (src/console/Query.ts builds it from query parameters); absent keys match anything. */
export interface RequestFilter {
  readonly channel?: string
  readonly provider?: string
  readonly endpoint?: string
  readonly sender?: string
  readonly lifecycle?: Lifecycle
  /** received_at >= since */
  readonly since?: Date
  /** received_at < until */
  readonly until?: Date
  /** A case-insensitive substring of normalized_text, MIN_QUERY_CHARS to MAX_QUERY_CHARS characters. */
  readonly q?: string
}

/** The position after which a page starts: the last row of the previous page (newest first). */
export interface RequestCursor {
  readonly received_at: Date
  readonly request_id: string
}

export interface RequestPage {
  readonly items: ReadonlyArray<RequestSummary>
  /** The last row of this page when more may follow, else undefined. */
  readonly next: RequestCursor | undefined
}

/** The database could not be reached or did not answer in time. */
export class RequestLogUnavailable extends Schema.TaggedError<RequestLogUnavailable>()("RequestLogUnavailable", {
  message: Schema.String
}) {}

export interface RequestLogService {
  /** One page, newest first: ORDER BY received_at DESC, request_id DESC, after `after`. */
  readonly list: (query: {
    readonly filter: RequestFilter
    readonly after: RequestCursor | undefined
    readonly limit: number
  }) => Effect.Effect<RequestPage, RequestLogUnavailable>
  /** How many requests match, counting at most `cap` (exact: false when there are more). */
  readonly count: (
    filter: RequestFilter,
    cap: number
  ) => Effect.Effect<{ readonly count: number; readonly exact: boolean }, RequestLogUnavailable>
  /** One request by id (a string that is not a UUID is simply not found). */
  readonly get: (requestId: string) => Effect.Effect<Option.Option<RequestDetail>, RequestLogUnavailable>
  /** The request that owns a dedupe key. */
  readonly getByKey: (dedupeKey: string) => Effect.Effect<Option.Option<RequestDetail>, RequestLogUnavailable>
}

export class RequestLog extends Context.Tag("switchboard/RequestLog")<RequestLog, RequestLogService>() {}
