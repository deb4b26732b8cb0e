/**
 * The gmail source as hosts run it: the GmailApi over HTTP with the credentials the host can give, local
 * blobs. Credentials: GMAIL_REFRESH_TOKEN set → the environment (development); otherwise the hub's
 * secret store — read directly when the hub hosts the connector (its SecretStore is there), over the
 * `ConnectorCredentials` RPC with the connector's scoped token when it runs as its own process
 * (SWITCHBOARD_URL, SWITCHBOARD_API_TOKEN).
 */
import { Config, Effect, Layer, Option } from "effect"
import { ConnectorConfig } from "../../services/ConnectorConfig.js"
import type { ConnectorDefinition } from "../../services/ConnectorDefinition.js"
import { GmailCredentials } from "../../services/GmailCredentials.js"
import { SecretStore } from "../../services/SecretStore.js"
import Gmail, { source } from "../../src/connectors/gmail/Definition.js"
import * as GmailLayer from "../../src/connectors/gmail/GmailLayer.js"
import { SettingsFromEnv } from "../../src/connectors/gmail/Settings.js"
import * as HttpGmailApi from "../GmailApi/HttpGmailApi.js"
import * as EnvGmailCredentials from "../GmailCredentials/EnvGmailCredentials.js"
import * as HubGmailCredentials from "../GmailCredentials/HubGmailCredentials.js"
import * as StoreGmailCredentials from "../GmailCredentials/StoreGmailCredentials.js"
import { BlobsLive } from "./HostFiles.js"

/** The variables that choose the credentials' source (checked with the other settings). */
export const CredentialsConfig = EnvGmailCredentials.OptionsFromEnv

export const CredentialsLive = Layer.unwrapEffect(Effect.gen(function*() {
  const env = yield* CredentialsConfig
  const { endpointIdentity } = yield* ConnectorConfig
  if (Option.isSome(env.refreshToken)) {
    yield* Effect.logInfo("Gmail credentials from GMAIL_CLIENT_ID / GMAIL_CLIENT_SECRET / GMAIL_REFRESH_TOKEN (development)")
    return Layer.succeed(GmailCredentials, EnvGmailCredentials.make(env))
  }
  const store = yield* Effect.serviceOption(SecretStore)
  return Option.match(store, {
    onNone: () => HubGmailCredentials.layerConfig,
    onSome: (s) => StoreGmailCredentials.layer(endpointIdentity).pipe(Layer.provide(Layer.succeed(SecretStore, s)))
  })
}))

/** Every GMAIL_* setting the connector reads, checked with the CONNECTOR_* ones. */
export const settings = Config.all([SettingsFromEnv, HttpGmailApi.OptionsFromEnv, CredentialsConfig])

/** The connector from ConnectorConfig and the GMAIL_* settings. */
export const layer = GmailLayer.layer.pipe(
  Layer.provide(Layer.merge(HttpGmailApi.layerConfig.pipe(Layer.provide(CredentialsLive)), BlobsLive))
)

/** The gmail definition with its implementations chosen. */
export const definition: ConnectorDefinition = {
  ...Gmail,
  config: { variables: Gmail.config.variables, settings },
  source: { ...source, layer }
}
