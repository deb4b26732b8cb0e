/**
 * The Gmail mailbox source (runbook: watch + history delta). Each fetch reads `users.history.list` from
 * the cursor's history id, fetches the added messages (`format=full`, `raw` only when the full form is
 * not enough) with their attachments, and yields one event per message whose cursor is the history id
 * that is safe once it is accepted. A missing cursor starts at the profile's history id; a history id
 * Gmail no longer keeps (404) is reset to the profile's, and the gap between is filled with
 * `messages.list` over its time range, so nothing is skipped silently (the dedupe key makes overlaps
 * harmless). Push mode keeps a `users.watch` alive; each verified Pub/Sub push wakes the poll loop early.
 */
import { Clock, DateTime, Duration, Effect, Either, Option, Queue, Ref, Schema } from "effect"
import { GmailApi, type GmailError, type MessageRef } from "../../../services/GmailApi.js"
import type {
  ConnectorDegradation,
  Cursor,
  SourceBatch,
  SourceError,
  SourceItem
} from "../../../services/SourceConnector.js"
import { SourceConnector, SourceUnauthorized } from "../../../services/SourceConnector.js"
import * as Attachments from "./Attachments.js"
import { isStaleHistory, toSourceError } from "./Errors.js"
import * as History from "./History.js"
import * as Mime from "./Mime.js"
import * as Normalize from "./Normalize.js"
import { type GmailSettings, passes, SAFETY_POLL } from "./Settings.js"

/** A gap fill starts this long before the cursor's `last_updated_at` (clock skew, delivery delays). */
export const GAP_MARGIN = Duration.hours(1)
/** A cursor without `last_updated_at` (edited by hand) fills a gap of at most this long. */
export const GAP_DEFAULT = Duration.days(30)

/** Counter names in heartbeats (`source_counters`) and /metrics. */
export const COUNTERS = [
  "history_fetches",
  "messages_fetched",
  "raw_refetches",
  "cursor_resets",
  "gap_fills",
  "gap_fill_messages",
  "watch_renewals",
  "watch_failures",
  "push_notifications",
  "oauth_refreshes",
  "oauth_refresh_failures",
  "rate_limited"
] as const
export type CounterName = typeof COUNTERS[number]

/** Skip reasons (`skipped.<reason>`). */
export const SKIP_REASONS = ["label_excluded", "deleted", "unfetchable"] as const

/** Attachment degradations (`degraded.<reason>`, Attachments.ts). */
export const DEGRADATIONS = [
  "too_large",
  "message_limit",
  "too_many",
  "download_failed",
  "compression_failed",
  "storage_failed"
].map((r) => `degraded.${r}`)

export interface Options {
  readonly endpointIdentity: string
  /** The mailbox address of the endpoint identity. */
  readonly mailbox: string
  readonly settings: GmailSettings
  /** Messages fetched at once (CONNECTOR_MAX_INFLIGHT). */
  readonly concurrency: number
}

const decodeCursor = Schema.decodeUnknownOption(History.GmailCursor)

/** A gap being filled: the expired cursor stays saved until every listed message is handled. */
interface Gap {
  readonly expired: string
  readonly resume: Cursor
  readonly refs: ReadonlyArray<MessageRef>
}

export const make = (options: Options) =>
  Effect.gen(function*() {
    const api = yield* GmailApi
    const attachments = yield* Attachments.make
    const counts = yield* Ref.make<Readonly<Record<string, number>>>({})
    const gap = yield* Ref.make(Option.none<Gap>())
    const wake = yield* Queue.sliding<void>(1)
    const { settings } = options

    const count = (name: CounterName, n = 1) => Ref.update(counts, (c) => ({ ...c, [name]: (c[name] ?? 0) + n }))
    const now = Effect.map(DateTime.now, DateTime.formatIso)
    const cursorAt = (historyId: string, at: string): Cursor => ({ history_id: historyId, last_updated_at: at })
    const source = <A>(effect: Effect.Effect<A, GmailError, GmailApi>) =>
      Effect.mapError(Effect.provideService(effect, GmailApi, api), toSourceError)

    /** The profile, checked against the endpoint: credentials for another mailbox stop the connector. */
    const profile = Effect.gen(function*() {
      const p = yield* source(api.getProfile)
      if (p.emailAddress.toLowerCase() !== options.mailbox) {
        return yield* new SourceUnauthorized({
          message: `the credentials are for ${p.emailAddress}, not ${options.mailbox} (CONNECTOR_ENDPOINT_IDENTITY); re-authorise the right mailbox`
        })
      }
      return p
    })

    const skip = (reason: typeof SKIP_REASONS[number], cursor: Cursor): SourceItem => ({ _tag: "Skip", reason, cursor })

    /** One message as an item; only errors that stop the whole batch fail. */
    const itemOf = (ref: MessageRef, cursor: Cursor): Effect.Effect<{ item: SourceItem; calls: number }, SourceError> =>
      Effect.gen(function*() {
        if (ref.labelIds !== undefined && !passes(settings, ref.labelIds)) return { item: skip("label_excluded", cursor), calls: 0 }
        const fetched = yield* api.getMessage(ref.id, "full").pipe(
          Effect.map(Either.right),
          // deleted since it was listed (404), or an id or answer Gmail's client cannot use: skipped, counted
          Effect.catchIf(
            (e) => e._tag === "GmailApiError" && (e.status === 404 || e.status === 400),
            (e) => Effect.succeed(Either.left(e._tag === "GmailApiError" && e.status === 404 ? "deleted" as const : "unfetchable" as const))
          ),
          Effect.catchIf(
            (e) => e._tag === "GmailHttpError" && e.reason === "Decode",
            () => Effect.succeed(Either.left("unfetchable" as const))
          ),
          source
        )
        if (Either.isLeft(fetched)) return { item: skip(fetched.left, cursor), calls: 1 }
        yield* count("messages_fetched")
        const message = fetched.right
        if (!passes(settings, message.labelIds ?? [])) return { item: skip("label_excluded", cursor), calls: 1 }
        let parsed = Mime.parseFull(message)
        let calls = 1
        if (Option.isSome(parsed.refetch) && parsed.refetch.value.format === "raw") {
          const raw = yield* source(api.getMessage(ref.id, "raw"))
          yield* count("raw_refetches")
          calls++
          // a raw form that does not parse keeps what the full form gave (subject, sender, ids)
          const reparsed = raw.raw === undefined ? undefined : yield* Mime.parseRaw(raw.raw)
          if (reparsed !== undefined && !reparsed.notes.includes("raw_unparseable")) parsed = reparsed
        }
        const attached = yield* Effect.mapError(attachments.attach(message.id, parsed.attachments), toSourceError)
        const item: SourceItem = {
          _tag: "Event",
          envelope: Normalize.toEnvelope(options.endpointIdentity, message, parsed, attached.attachments),
          cursor,
          degradations: attached.degradations
        }
        return { item, calls: calls + attached.apiCalls }
      })

    const itemsOf = (refs: ReadonlyArray<{ readonly ref: MessageRef; readonly cursor: Cursor }>) =>
      Effect.forEach(refs, ({ cursor, ref }) => itemOf(ref, cursor), { concurrency: options.concurrency })

    const batchOf = (
      items: ReadonlyArray<{ item: SourceItem; calls: number }>,
      next: Cursor,
      calls: number
    ): SourceBatch => ({
      items: items.map((i) => i.item),
      next,
      apiCalls: calls + items.reduce((n, i) => n + i.calls, 0)
    })

    /** No cursor: start at the mailbox's current history id (earlier mail is not replayed). */
    const initialise = Effect.gen(function*() {
      const p = yield* profile
      yield* Effect.logInfo(
        `no checkpoint: starting at the mailbox's current history id ${p.historyId}; earlier mail is not replayed`
      ).pipe(Effect.annotateLogs({ history_id: p.historyId }))
      return batchOf([], cursorAt(p.historyId, yield* now), 1)
    })

    /** Gmail no longer keeps `expired`: reset to the profile's history id and list the gap's messages. */
    const startGap = (expired: string, lastUpdatedAt: Option.Option<string>) =>
      Effect.gen(function*() {
        const p = yield* profile
        const nowMs = yield* Clock.currentTimeMillis
        const fromMs = Option.match(Option.filter(Option.map(lastUpdatedAt, Date.parse), Number.isFinite), {
          onNone: () => nowMs - Duration.toMillis(GAP_DEFAULT),
          onSome: (ms) => ms - Duration.toMillis(GAP_MARGIN)
        })
        const listed = yield* source(History.listedSince(fromMs / 1000))
        yield* count("cursor_resets")
        yield* count("gap_fills")
        yield* count("gap_fill_messages", listed.refs.length)
        yield* Effect.logWarning(
          `history id ${expired} is older than Gmail keeps; reset to ${p.historyId} and filling the gap with ` +
            `${listed.refs.length} message(s) received since ${new Date(fromMs).toISOString()}` +
            (listed.truncated ? ` (only the newest ${History.MAX_GAP_MESSAGES}: older ones of the gap are missed)` : "")
        ).pipe(Effect.annotateLogs({
          history_id_expired: expired,
          history_id_reset: p.historyId,
          gap_from: new Date(fromMs).toISOString(),
          gap_messages: listed.refs.length
        }))
        const resume = cursorAt(p.historyId, yield* now)
        yield* Ref.set(gap, Option.some({ expired, resume, refs: listed.refs }))
        return 1 + listed.calls
      })

    /** The next part of a gap being filled; its messages keep the expired cursor until the last one. */
    const fillGap = (g: Gap, cursor: Cursor, calls: number) =>
      Effect.gen(function*() {
        const part = g.refs.slice(0, History.BATCH_MESSAGES)
        const rest = g.refs.slice(part.length)
        const items = yield* itemsOf(part.map((ref) => ({ ref, cursor })))
        yield* Ref.set(gap, rest.length === 0 ? Option.none() : Option.some({ ...g, refs: rest }))
        return batchOf(items, rest.length === 0 ? g.resume : cursor, calls)
      })

    const fetch = (position: Option.Option<Cursor>): Effect.Effect<SourceBatch, SourceError> =>
      Effect.gen(function*() {
        const cursor = Option.flatMap(position, decodeCursor)
        if (Option.isNone(cursor)) return yield* initialise
        const start = String(cursor.value.history_id)
        const saved = cursorAt(start, cursor.value.last_updated_at ?? (yield* now))
        const pending = Option.filter(yield* Ref.get(gap), (g) => g.expired === start)
        if (Option.isSome(pending)) return yield* fillGap(pending.value, saved, 0)
        yield* Ref.set(gap, Option.none())
        const at = yield* now
        const slice = yield* History.since(start).pipe(
          Effect.tap((s) => count("history_fetches", s.calls)),
          Effect.map(Option.some),
          Effect.catchIf(isStaleHistory, () => Effect.succeed(Option.none<History.HistorySlice>())),
          Effect.tapError(() => count("history_fetches")),
          source
        )
        if (Option.isNone(slice)) {
          yield* count("history_fetches")
          const calls = yield* startGap(start, Option.fromNullable(cursor.value.last_updated_at))
          return yield* Effect.flatMap(Ref.get(gap), Option.match({
            onNone: () => Effect.succeed(batchOf([], saved, calls)),
            onSome: (g) => fillGap(g, saved, calls)
          }))
        }
        const safe = History.safeAfter(slice.value.added, start)
        const items = yield* itemsOf(slice.value.added.map((a, i) => ({ ref: a.ref, cursor: cursorAt(safe[i]!, at) })))
        return batchOf(items, cursorAt(slice.value.next, at), slice.value.calls)
      })

    /** Counters for heartbeats: this connector's and the API client's. */
    const counters = Effect.zipWith(Ref.get(counts), api.counters, (own, client) => ({ ...own, ...client }))

    /** What the runtime cannot see: history resets and their gap fills, refused OAuth refreshes. */
    const degradation = Effect.zipWith(Ref.get(counts), api.counters, (own, client): ConnectorDegradation => ({
      cursor_resets: own["cursor_resets"] ?? 0,
      gap_fills: own["gap_fills"] ?? 0,
      oauth_refresh_failures: client.oauth_refresh_failures
    }))

    const push = Option.isSome(settings.pubsub)
    return {
      /** A verified push arrived: poll now (several pushes during one poll make one more poll). */
      notified: Effect.zipRight(count("push_notifications"), Queue.offer(wake, undefined)),
      count,
      connector: SourceConnector.of({
        connectorType: "gmail",
        endpointIdentity: options.endpointIdentity,
        polling: true,
        // history.list from a history id confirms nothing: the next page may be read while this one is submitted
        readAhead: true,
        acceptsCursor: Schema.is(History.GmailCursor),
        fetch,
        capabilities: { polling: true, push, media: true },
        pollInterval: push ? Duration.min(settings.pollInterval, SAFETY_POLL) : settings.pollInterval,
        wakeups: Queue.take(wake),
        counters,
        degradation
      })
    }
  })
