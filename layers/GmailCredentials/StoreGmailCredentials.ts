/**
 * GmailCredentials read straight from the hub's SecretStore, for a Gmail connector the hub hosts: the
 * OAuth app from GMAIL_CLIENT_ID / GMAIL_CLIENT_SECRET or the store (`gmail:client`), the refresh
 * token stored under the mailbox's identity. Read again on every `get`, so a re-authorisation is
 * picked up without a restart.
 */
import { Effect, Layer, Option } from "effect"
import { ConnectorConfig } from "../../services/ConnectorConfig.js"
import { CredentialsMissing, CredentialsUnavailable, GmailCredentials } from "../../services/GmailCredentials.js"
import { SecretStore } from "../../services/SecretStore.js"
import * as GmailOAuth from "../../src/oauth/GmailOAuth.js"
import * as OAuthClient from "../../src/oauth/OAuthClient.js"
import * as PgSecretStore from "../SecretStore/PgSecretStore.js"

export const make = (endpoint: string) =>
  Effect.gen(function*() {
    const store = yield* SecretStore
    const settings = yield* GmailOAuth.SettingsConfig
    const missing = (message: string) => new CredentialsMissing({ endpoint, message })

    const get = Effect.gen(function*() {
      const app = yield* OAuthClient.resolve(settings, store)
      const refreshToken = yield* store.get(endpoint, GmailOAuth.REFRESH_TOKEN)
      if (Option.isNone(refreshToken)) {
        return yield* missing(`no refresh token is stored for ${endpoint}: run \`switchboard gmail auth --endpoint ${endpoint}\` or open /oauth/gmail/start`)
      }
      return { clientId: app.clientId, clientSecret: app.clientSecret, refreshToken: refreshToken.value }
    }).pipe(
      Effect.catchTags({
        OAuthClientMissing: (e) => Effect.fail(missing(e.message)),
        SecretUndecryptable: (e) =>
          Effect.fail(missing(`the stored ${e.name} of ${e.owner} cannot be decrypted with SWITCHBOARD_SECRETS_KEY: restore that key, or store it again`)),
        SecretStoreUnavailable: (e) =>
          Effect.fail(PgSecretStore.isKeyMissing(e) ? missing(e.message) : new CredentialsUnavailable({ message: e.message }))
      }),
      Effect.withSpan("GmailCredentials.get")
    )
    return GmailCredentials.of({ get })
  })

export const layer = (endpoint: string) => Layer.effect(GmailCredentials, make(endpoint))

/** For the mailbox of the hosted connector's ConnectorConfig. */
export const layerConfig = Layer.unwrapEffect(Effect.map(ConnectorConfig, (c) => layer(c.endpointIdentity)))
