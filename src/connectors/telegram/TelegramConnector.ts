/**
 * The Telegram bot source (runbook: polling for development, webhook for production). Polling
 * long-polls getUpdates from `last_update_id + 1` of the committed checkpoint, so the offset sent
 * to Telegram (which confirms and drops every update below it) only ever passes updates the hub
 * accepted. In webhook mode the hub's route pushes each update through `normalizePushed`.
 */
import { Effect, Either, Layer, Option, Schema } from "effect"
import { ConnectorConfig } from "../../../services/ConnectorConfig.js"
import {
  ConnectorStartFailed,
  type Cursor,
  type SourceBatch,
  SourceConnector,
  type SourceError,
  type SourceItem
} from "../../../services/SourceConnector.js"
import { ALLOWED_UPDATES, TelegramApi, Update } from "../../../services/TelegramApi.js"
import { TelegramWebhookStore } from "../../../services/TelegramWebhookStore.js"
import { toSourceError } from "./Errors.js"
import * as Media from "./Media.js"
import * as Normalize from "./Normalize.js"
import * as Webhook from "./Webhook.js"

/** Long-poll settings of getUpdates. */
export const POLL_LIMIT = 100
export const POLL_TIMEOUT_S = 25
/** Updates whose media are fetched at once. */
export const MEDIA_CONCURRENCY = 4

/** The checkpoint: `{"last_update_id": N}` (runbook), N = 0 before the first update. */
export const TelegramCursor = Schema.Struct({ last_update_id: Schema.Int.pipe(Schema.nonNegative()) })
const decodeCursor = Schema.decodeUnknownOption(TelegramCursor)
const cursorAt = (lastUpdateId: number): Cursor => ({ last_update_id: lastUpdateId })

export interface Options {
  readonly endpointIdentity: string
  /** Webhook mode when set (CONNECTOR_WEBHOOK_URL). */
  readonly webhookUrl: Option.Option<string>
}

interface Counted {
  readonly item: SourceItem
  readonly apiCalls: number
}

const skipReason = (skip: Normalize.Skip) =>
  skip.reason === "unsupported_kind" ? `unsupported update kind: ${skip.detail}` : `malformed update: ${skip.detail}`

export const make = (options: Options) =>
  Effect.gen(function*() {
    const api = yield* TelegramApi
    const media = yield* Media.make
    const endpoint = options.endpointIdentity

    /** One update as an item, with its media resolved; fails only with a batch-stopping source error. */
    const itemOf = (update: Update): Effect.Effect<Counted, SourceError> =>
      Either.match(Normalize.parse(update), {
        onLeft: (skip) =>
          Effect.succeed<Counted>({
            item: { _tag: "Skip", reason: skipReason(skip), cursor: cursorAt(update.update_id) },
            apiCalls: 0
          }),
        onRight: (parsed) =>
          Effect.map(media.attach(parsed.message), (m): Counted => ({
            item: {
              _tag: "Event",
              envelope: Normalize.toEnvelope(endpoint, parsed, m.attachments),
              cursor: cursorAt(update.update_id),
              degradations: m.degradations
            },
            apiCalls: m.apiCalls
          }))
      })

    const fetch = (cursor: Option.Option<Cursor>) =>
      Effect.gen(function*() {
        const last = Option.map(Option.flatMap(cursor, decodeCursor), (c) => c.last_update_id)
        const updates = yield* api.getUpdates({
          ...(Option.isSome(last) ? { offset: last.value + 1 } : {}),
          limit: POLL_LIMIT,
          timeout: POLL_TIMEOUT_S,
          allowed_updates: ALLOWED_UPDATES
        }).pipe(Effect.mapError(toSourceError))
        const items = yield* Effect.forEach(updates, itemOf, { concurrency: MEDIA_CONCURRENCY })
        const newest = updates.at(-1)?.update_id ?? Option.getOrElse(last, () => 0)
        const batch: SourceBatch = {
          items: items.map((i) => i.item),
          next: cursorAt(newest),
          apiCalls: 1 + items.reduce((n, i) => n + i.apiCalls, 0)
        }
        return batch
      })

    /** A webhook body; one that is not an Update is skipped (answered 200) so Telegram stops resending it. */
    const normalizePushed = (body: unknown) =>
      Either.match(Schema.decodeUnknownEither(Update)(body), {
        onLeft: () =>
          Effect.succeed<SourceItem>({ _tag: "Skip", reason: "malformed update: not a Telegram Update", cursor: cursorAt(0) }),
        onRight: (update) => Effect.map(itemOf(update), (i) => i.item)
      })

    const webhook = Option.isSome(options.webhookUrl)
    return SourceConnector.of({
      connectorType: "telegram",
      endpointIdentity: endpoint,
      polling: !webhook,
      // getUpdates with an offset confirms every update below it: fetch only from what the hub accepted
      readAhead: false,
      acceptsCursor: Schema.is(TelegramCursor),
      fetch,
      normalizePushed,
      capabilities: { polling: !webhook, webhook, media: true }
    })
  })

const startFailed = (message: string) => new ConnectorStartFailed({ connector: "telegram", message })

/** Webhook mode: register with Telegram (the hub must be the host: it serves the route and holds the secret). */
const startWebhook = (endpoint: string, url: string) =>
  Effect.gen(function*() {
    const store = yield* Effect.serviceOption(TelegramWebhookStore)
    if (Option.isNone(store)) {
      return yield* startFailed(
        "webhook mode (CONNECTOR_WEBHOOK_URL) runs inside the hub, which serves the webhook route: " +
          "set SWITCHBOARD_CONNECTORS=telegram on the hub, or unset CONNECTOR_WEBHOOK_URL to poll"
      )
    }
    yield* Webhook.register(endpoint, url).pipe(
      Effect.provideService(TelegramWebhookStore, store.value),
      Effect.mapError((e) => startFailed(`could not register the webhook: ${e.message}`))
    )
  })

/** Where a webhook URL points, without its path or query (they may carry secrets). */
export const hostOf = (url: string) => (URL.canParse(url) ? new URL(url).host : "an unparseable URL")

/**
 * Polling mode (the runbook's rollback: restart without CONNECTOR_WEBHOOK_URL): while a webhook is
 * registered every getUpdates answers 409, so a starting poller deletes it, keeping the updates Telegram
 * holds, and forgets the hub's secret for it. Only at start: a poller that is already running never
 * touches a webhook, so a cutover (webhook registered while the poller still runs) is not undone.
 */
export const removeWebhook = (endpoint: string) =>
  Effect.gen(function*() {
    const api = yield* TelegramApi
    const info = yield* api.getWebhookInfo
    if (info.url === "") return
    yield* api.deleteWebhook({ drop_pending_updates: false })
    const store = yield* Effect.serviceOption(TelegramWebhookStore)
    if (Option.isSome(store)) yield* store.value.remove(endpoint)
    yield* Effect.logWarning(
      `removed the Telegram webhook (it pointed to ${hostOf(info.url)}) so that polling works; ` +
        `its ${info.pending_update_count} pending updates are kept and will be polled`
    ).pipe(Effect.annotateLogs({ endpoint, webhook_host: hostOf(info.url) }))
  }).pipe(
    Effect.catchAll((e) =>
      Effect.logWarning(
        `could not remove the Telegram webhook before polling (getUpdates answers 409 while it is set): ${
          e._tag === "TelegramWebhookStoreUnavailable" ? e.message : toSourceError(e).message
        }`
      )
    )
  )

/**
 * The connector from ConnectorConfig over whatever TelegramApi and BlobStore are provided
 * (the host composition, Connectors/TelegramLive.ts, picks the Bot API over HTTP and the local blob store).
 */
export const layer = Layer.effect(
  SourceConnector,
  Effect.gen(function*() {
    const config = yield* ConnectorConfig
    yield* Option.match(config.webhookUrl, {
      onNone: () => removeWebhook(config.endpointIdentity),
      onSome: (url) => startWebhook(config.endpointIdentity, url)
    })
    return yield* make({ endpointIdentity: config.endpointIdentity, webhookUrl: config.webhookUrl })
  }).pipe(Effect.annotateLogs({ connector: "telegram" }))
)
