/** The telegram source as hosts run it: the Bot API over HTTP (BUTLER_TELEGRAM_TOKEN, TELEGRAM_API_BASE_URL), local blobs. */
import { Layer } from "effect"
import type { ConnectorDefinition } from "../../services/ConnectorDefinition.js"
import Telegram, { source } from "../../src/connectors/telegram/Definition.js"
import * as TelegramConnector from "../../src/connectors/telegram/TelegramConnector.js"
import * as HttpTelegramApi from "../TelegramApi/HttpTelegramApi.js"
import { BlobsLive } from "./HostFiles.js"

/** The telegram connector's own settings (BUTLER_TELEGRAM_TOKEN, TELEGRAM_API_BASE_URL), checked at start. */
export const settings = HttpTelegramApi.OptionsFromEnv

/** The connector from ConnectorConfig, TELEGRAM_API_BASE_URL and BUTLER_TELEGRAM_TOKEN. */
export const layer = TelegramConnector.layer.pipe(Layer.provide(HttpTelegramApi.layerConfig), Layer.provide(BlobsLive))

/** The telegram definition with its implementations chosen. */
export const definition: ConnectorDefinition = {
  ...Telegram,
  config: { variables: Telegram.config.variables, settings },
  source: { ...source, layer }
}
