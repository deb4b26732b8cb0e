/**
 * The Telegram bot source as an SDK definition (issue 11): long-polls getUpdates, or in webhook mode
 * (CONNECTOR_WEBHOOK_URL, hub only) takes the updates the hub's `POST /telegram/:endpoint/webhook` receives.
 * Its layer names TelegramApi and BlobStore; the host composition, Connectors/TelegramLive.ts, provides them.
 * Its actions face is `telegram.send` (src/connectors/actions, over the ActionProviders the host composition provides).
 */
import { Config } from "effect"
import type { BlobStore } from "../../../services/BlobStore.js"
import { TelegramTokenConfig } from "../../../services/ConnectorConfig.js"
import { defineConnector, type SourceFace, type SourceHost } from "../../../services/ConnectorDefinition.js"
import type { TelegramApi } from "../../../services/TelegramApi.js"
import { TelegramSettings } from "../../actions/ProviderSettings.js"
import { type ActionsHost, face } from "../actions/ActionsFace.js"
import { telegramActionVariables } from "../actions/Definitions.js"
import * as TelegramConnector from "./TelegramConnector.js"
import * as WebhookRoute from "./WebhookRoute.js"

/** What the telegram source needs besides what every host gives. */
export type TelegramHost = SourceHost | TelegramApi | BlobStore

export const DEFAULT_API_BASE_URL = "https://api.telegram.org"

/** The source face (the host composition gives its layer the services it names). */
export const source = { channel: "telegram", provider: "telegram", layer: TelegramConnector.layer, push: [WebhookRoute.endpoint] } satisfies SourceFace<TelegramHost>

/** The actions face: telegram.send with TELEGRAM_BOT_TOKEN (the source's token is BUTLER_TELEGRAM_TOKEN). */
export const actions = face("telegram")

export default defineConnector<TelegramHost, ActionsHost>({
  id: "telegram",
  description: "Telegram bots: long-polls (or receives webhooks for) updates and ingests them",
  config: {
    variables: [
      { name: "BUTLER_TELEGRAM_TOKEN", secret: true, required: true, description: "the bot token from @BotFather" },
      {
        name: "TELEGRAM_API_BASE_URL",
        secret: false,
        required: false,
        description: "the Bot API's base URL (a local Bot API server or a test fake)",
        default: DEFAULT_API_BASE_URL
      },
      ...telegramActionVariables
    ],
    settings: Config.all([
      TelegramTokenConfig,
      Config.string("TELEGRAM_API_BASE_URL").pipe(Config.withDefault(DEFAULT_API_BASE_URL)),
      TelegramSettings
    ])
  },
  source,
  actions
})
