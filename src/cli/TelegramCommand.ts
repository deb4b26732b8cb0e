/**
 * `switchboard telegram set-webhook | delete-webhook | webhook-info`: the runbook's cutover (register
 * the webhook) and rollback (delete it, then poll again from the checkpoint). Uses
 * BUTLER_TELEGRAM_TOKEN, TELEGRAM_API_BASE_URL and the hub's database (the webhook secret lives there).
 */
import { Command, Options } from "@effect/cli"
import { Config, Console, Effect, Layer, Option } from "effect"
import * as HttpTelegramApi from "../../layers/TelegramApi/HttpTelegramApi.js"
import * as PgTelegramWebhookStore from "../../layers/TelegramWebhookStore/PgTelegramWebhookStore.js"
import * as Webhook from "../connectors/telegram/Webhook.js"
import * as Help from "./Help.js"
import * as Lazy from "./Lazy.js"
import * as Output from "./Output.js"

const endpoint = Options.text("endpoint").pipe(
  Options.withDescription("bot endpoint identity (default: CONNECTOR_ENDPOINT_IDENTITY)"),
  Options.optional
)

const endpointOf = (option: Option.Option<string>) =>
  Option.match(option, { onSome: Effect.succeed, onNone: () => Config.nonEmptyString("CONNECTOR_ENDPOINT_IDENTITY") })

const setWebhook = Command.make(
  "set-webhook",
  {
    endpoint,
    url: Options.text("url").pipe(
      Options.withDescription("public HTTPS URL reaching the hub's /telegram/<endpoint>/webhook (default: CONNECTOR_WEBHOOK_URL)"),
      Options.optional
    )
  },
  (o) =>
    Effect.gen(function*() {
      const id = yield* endpointOf(o.endpoint)
      const url = yield* Option.match(o.url, {
        onSome: Effect.succeed,
        onNone: () => Config.nonEmptyString("CONNECTOR_WEBHOOK_URL")
      })
      yield* Webhook.register(id, url)
      yield* Console.log(`webhook for ${id} set to ${url} (new secret recorded in the hub database); polling now gets 409`)
    })
).pipe(Command.withDescription(Help.describe("register the webhook with a new secret_token (cutover to webhook mode)", {
  details: ["Needs BUTLER_TELEGRAM_TOKEN (and TELEGRAM_API_BASE_URL to reach another Bot API)."],
  examples: ["switchboard telegram set-webhook --endpoint telegram:bot:1234 --url https://hub.example.com/telegram/telegram:bot:1234/webhook"]
})))

const deleteWebhook = Command.make(
  "delete-webhook",
  {
    endpoint,
    dropPending: Options.boolean("drop-pending-updates").pipe(
      Options.withDescription("also discard updates Telegram still holds (default: keep them for the poller)")
    )
  },
  (o) =>
    Effect.gen(function*() {
      const id = yield* endpointOf(o.endpoint)
      yield* Webhook.unregister(id, o.dropPending)
      yield* Console.log(
        `webhook for ${id} deleted; start the polling connector (it resumes from its checkpoint, duplicates are safe)`
      )
    })
).pipe(Command.withDescription(Help.describe("delete the webhook (rollback to polling)", {
  examples: ["switchboard telegram delete-webhook --endpoint telegram:bot:1234"]
})))

const webhookInfo = Command.make(
  "webhook-info",
  { endpoint, json: Options.boolean("json").pipe(Options.withDescription("print JSON instead of text")) },
  (o) =>
    Effect.gen(function*() {
      const id = yield* endpointOf(o.endpoint)
      const { hub, telegram } = yield* Webhook.info(id)
      if (o.json) return yield* Output.json({ endpoint: id, telegram, hub: Option.getOrNull(hub) })
      yield* Console.log([
        `endpoint:          ${id}`,
        `telegram url:      ${telegram.url === "" ? "(none: polling mode)" : telegram.url}`,
        `pending updates:   ${telegram.pending_update_count}`,
        `allowed updates:   ${(telegram.allowed_updates ?? []).join(", ") || "(default)"}`,
        `last error:        ${telegram.last_error_message ?? "(none)"}`,
        `hub registration:  ${Option.match(hub, { onNone: () => "(none)", onSome: (h) => `${h.url} at ${h.updatedAt}` })}`
      ].join("\n"))
    })
).pipe(Command.withDescription(Help.describe("show the webhook as Telegram and the hub see it (verify a cutover)", {
  examples: ["switchboard telegram webhook-info --endpoint telegram:bot:1234 --json"]
})))

/** Telegram's client (from the environment) for the telegram subcommands; the database comes from the caller. */
export const TelegramCliLive = Layer.merge(
  HttpTelegramApi.layerConfig.pipe(Layer.provide(Lazy.HttpClientLive)),
  PgTelegramWebhookStore.layer
)

export const telegramCommand = Command.make("telegram").pipe(
  Command.withDescription(Help.describe("Telegram bot webhook administration (cutover and rollback)", {
    examples: ["switchboard telegram webhook-info"]
  })),
  Command.withSubcommands([setWebhook, deleteWebhook, webhookInfo])
)
