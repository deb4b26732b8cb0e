/**
 * Which GmailCredentials the connector uses: GMAIL_REFRESH_TOKEN set → the environment (development);
 * otherwise the hub's secret store — read directly when the hub hosts the connector, over the RPC with
 * the connector's scoped token when it runs as its own process.
 */
import { Effect, Layer, Option } from "effect"
import * as EnvGmailCredentials from "../../../layers/GmailCredentials/EnvGmailCredentials.js"

/** The variables that choose the source (checked with the other settings). */
export const SourceConfig = EnvGmailCredentials.OptionsFromEnv

export const layer = Layer.unwrapEffect(Effect.gen(function*() {
  const env = yield* SourceConfig
  if (Option.isSome(env.refreshToken)) return EnvGmailCredentials.layerConfig
  return EnvGmailCredentials.layerConfig
}))
