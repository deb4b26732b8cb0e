/** The telegram source as hosts run it: the Bot API over HTTP (BUTLER_TELEGRAM_TOKEN, TELEGRAM_API_BASE_URL), local blobs. */
import { Config, Layer } from "effect"
import type { ConnectorDefinition } from "../../services/ConnectorDefinition.js"
import { TelegramSettings } from "../../src/actions/ProviderSettings.js"
import Telegram, { actions, source } from "../../src/connectors/telegram/Definition.js"
import * as TelegramConnector from "../../src/connectors/telegram/TelegramConnector.js"
import * as HttpTelegramApi from "../TelegramApi/HttpTelegramApi.js"
import * as ActionConnectors from "./ActionConnectors.js"
import { BlobsLive } from "./HostFiles.js"

/** The telegram connector's own settings (BUTLER_TELEGRAM_TOKEN, TELEGRAM_API_BASE_URL, and telegram.send's TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID_DEFAULT), checked at start. */
export const settings = Config.all([HttpTelegramApi.OptionsFromEnv, TelegramSettings])

/** The connector from ConnectorConfig, TELEGRAM_API_BASE_URL and BUTLER_TELEGRAM_TOKEN. */
export const layer = TelegramConnector.layer.pipe(Layer.provide(HttpTelegramApi.layerConfig), Layer.provide(BlobsLive))

/** The telegram definition with its implementations chosen. */
export const definition: ConnectorDefinition = {
  ...Telegram,
  config: { variables: Telegram.config.variables, settings },
  source: { ...source, layer },
  actions: ActionConnectors.runnable("telegram", actions)
}
