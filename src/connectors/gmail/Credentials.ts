/**
 * Which GmailCredentials the connector uses: GMAIL_REFRESH_TOKEN set → the environment (development);
 * otherwise the hub's secret store — read directly when the hub hosts the connector (its SecretStore
 * is there), over the `ConnectorCredentials` RPC with the connector's scoped token when it runs as its
 * own process (SWITCHBOARD_URL, SWITCHBOARD_API_TOKEN).
 */
import { Effect, Layer, Option } from "effect"
import * as EnvGmailCredentials from "../../../layers/GmailCredentials/EnvGmailCredentials.js"
import * as HubGmailCredentials from "../../../layers/GmailCredentials/HubGmailCredentials.js"
import * as StoreGmailCredentials from "../../../layers/GmailCredentials/StoreGmailCredentials.js"
import { ConnectorConfig } from "../../../services/ConnectorConfig.js"
import { GmailCredentials } from "../../../services/GmailCredentials.js"
import { SecretStore } from "../../../services/SecretStore.js"

/** The variables that choose the source (checked with the other settings). */
export const SourceConfig = EnvGmailCredentials.OptionsFromEnv

export const layer = Layer.unwrapEffect(Effect.gen(function*() {
  const env = yield* SourceConfig
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
