/**
 * A source connector (DESIGN.md §2, §6): reads events from an external system and normalizes them to
 * `ingest.v1`. It never submits or saves anything itself: it yields items, each with the cursor that
 * becomes safe once that item and every earlier one were handled, and the runtime
 * (src/connectors/runtime) submits them and decides when the checkpoint may advance.
 */
import { Context, type Duration, type Effect, type Option, Schema } from "effect"
import type { IngestEnvelopeInput } from "../src/domain/Envelope.js"
import type { DegradationCount } from "../src/domain/Heartbeat.js"

/** A position in the source, persisted verbatim as the checkpoint (e.g. Telegram `{"last_update_id": 42}`). */
export const Cursor = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  identifier: "ConnectorCursor"
})
export type Cursor = typeof Cursor.Type

/** The source answered 429; wait exactly `retryAfter` (plus a little jitter). Not counted as a failure. */
export class SourceRateLimited extends Schema.TaggedError<SourceRateLimited>()("SourceRateLimited", {
  message: Schema.String,
  retryAfter: Schema.DurationFromSelf
}) {}

/** 5xx, timeout or connection reset: exponential backoff; three in a row turn health `degraded`. */
export class SourceTransient extends Schema.TaggedError<SourceTransient>()("SourceTransient", {
  message: Schema.String
}) {}

/** 401 / 403, revoked credentials, failed OAuth refresh: polling stops, health `error`, heartbeats go on. */
export class SourceUnauthorized extends Schema.TaggedError<SourceUnauthorized>()("SourceUnauthorized", {
  message: Schema.String
}) {}

/** The source refuses this poller (Telegram 409: webhook set or a second poller): health `error`, slow retry. */
export class SourceConflict extends Schema.TaggedError<SourceConflict>()("SourceConflict", {
  message: Schema.String
}) {}

/** The cursor is too old for the source (Gmail 404 on historyId): the runtime saves `resetTo`, warns, counts the gap. */
export class CursorExpired extends Schema.TaggedError<CursorExpired>()("CursorExpired", {
  message: Schema.String,
  resetTo: Cursor
}) {}

/** An attachment could not be downloaded, compressed or stored: the event is ingested without it, counted. */
export class MediaUnavailable extends Schema.TaggedError<MediaUnavailable>()("MediaUnavailable", {
  message: Schema.String,
  reason: Schema.String
}) {}

/** The connector could not start (a bad setting, the source refused its registration, …); one line says why. */
export class ConnectorStartFailed extends Schema.TaggedError<ConnectorStartFailed>()("ConnectorStartFailed", {
  connector: Schema.String,
  message: Schema.String
}) {}

/** Every way a fetch can fail; each has its own rule in the runtime. */
export type SourceError = SourceRateLimited | SourceTransient | SourceUnauthorized | SourceConflict | CursorExpired

/**
 * What a connector counts of its own degradations since start, by kind (heartbeat `degradation`): what the
 * runtime cannot see, such as Gmail's gap fills or OAuth refresh failures. The runtime adds its own counts.
 */
export type ConnectorDegradation = { readonly [K in DegradationCount]?: number }

/** One unit of work in source order: an event to submit, or an event deliberately skipped. */
export type SourceItem =
  | {
    readonly _tag: "Event"
    /** The normalized envelope to submit. */
    readonly envelope: IngestEnvelopeInput
    /** Safe to persist once this event and every earlier item were accepted (or reported duplicate). */
    readonly cursor: Cursor
    /** Attachments dropped while normalizing this event (counted and logged by the runtime). */
    readonly degradations: ReadonlyArray<MediaUnavailable>
  }
  | {
    readonly _tag: "Skip"
    /** Why the source event is not ingested (e.g. "unsupported update kind: poll_answer"); counted by reason. */
    readonly reason: string
    /** Safe to persist once every earlier item was handled. */
    readonly cursor: Cursor
  }

/** What one fetch produced. */
export interface SourceBatch {
  /** Events and skips in source order. */
  readonly items: ReadonlyArray<SourceItem>
  /** Where the next fetch starts; persisted once every item was handled (may lie past the last item). */
  readonly next: Cursor
  /** Calls made to the source API to build this batch (the fetch itself, file downloads, …). */
  readonly apiCalls: number
}

export interface SourceConnectorService {
  /** Connector type as registered and reported in heartbeats, e.g. "telegram", "sandbox". */
  readonly connectorType: string
  /** The endpoint identity this instance reads (bot username, mailbox, …). */
  readonly endpointIdentity: string
  /** False in push (webhook) mode: the runtime never calls `fetch`, updates arrive through `normalizePushed`. */
  readonly polling: boolean
  /**
   * Whether `fetch` may start past events the hub has not accepted yet, so the next batch is fetched while
   * the previous one is submitted. False when fetching from a cursor tells the source that everything
   * before it was consumed (Telegram's getUpdates `offset` confirms and drops every earlier update).
   */
  readonly readAhead: boolean
  /** Whether a loaded checkpoint has this connector's shape; one it rejects is treated as corrupt. */
  readonly acceptsCursor: (cursor: Cursor) => boolean
  /** Reads the next batch after `cursor` (None: from the very beginning of what the source still holds). */
  readonly fetch: (cursor: Option.Option<Cursor>) => Effect.Effect<SourceBatch, SourceError>
  /** Normalizes one pushed update (a webhook body) to an item, when the connector supports push. */
  readonly normalizePushed?: (update: unknown) => Effect.Effect<SourceItem, SourceError>
  /** Capabilities advertised in heartbeats, e.g. `{ polling: true, webhook: false }`. */
  readonly capabilities: Readonly<Record<string, boolean>>
  /** Pause after a poll that found nothing, when the connector has its own setting (GMAIL_POLL_INTERVAL_S). */
  readonly pollInterval?: Duration.Duration
  /**
   * Completes when the source asked for an early poll (a push notification said there is something new):
   * the runtime then polls without waiting out the rest of `pollInterval`.
   */
  readonly wakeups?: Effect.Effect<void>
  /** The connector's own counters (names as in heartbeat `source_counters`), sent with every heartbeat. */
  readonly counters?: Effect.Effect<Readonly<Record<string, number>>>
  /** The connector's own degradation counts, sent in every heartbeat's `degradation` (added to the runtime's). */
  readonly degradation?: Effect.Effect<ConnectorDegradation>
}

export class SourceConnector extends Context.Tag("switchboard/SourceConnector")<
  SourceConnector,
  SourceConnectorService
>() {}
