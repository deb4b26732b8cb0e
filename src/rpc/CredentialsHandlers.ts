/**
 * The `ConnectorCredentials` handler: checks the caller's role and exact scope before it reads a
 * single secret, then answers the OAuth app (environment or secret store, OAuthClient.ts) and the
 * mailbox's refresh token. Every hand-out is logged with the token id (never a value).
 */
import { Effect, Option } from "effect"
import * as PgSecretStore from "../../layers/SecretStore/PgSecretStore.js"
import { CredentialsMissing, CredentialsUnavailable } from "../../services/GmailCredentials.js"
import { SecretStore } from "../../services/SecretStore.js"
import { Forbidden, ValidationError } from "../domain/Errors.js"
import * as Permissions from "../domain/Permissions.js"
import { covers, CurrentPrincipal } from "../domain/Principal.js"
import * as GmailOAuth from "../oauth/GmailOAuth.js"
import * as OAuthClient from "../oauth/OAuthClient.js"
import type { CredentialsAnswer } from "./CredentialsRpcs.js"

export const make = Effect.gen(function*() {
  const store = yield* SecretStore
  const settings = yield* GmailOAuth.SettingsConfig

  return (request: { readonly provider: "gmail"; readonly endpoint_identity: string }) =>
    Effect.gen(function*() {
      const principal = yield* CurrentPrincipal
      const endpoint = request.endpoint_identity
      const problem = GmailOAuth.endpointProblem(endpoint)
      if (problem !== undefined) {
        return yield* new ValidationError({ message: problem, issues: [{ path: "endpoint_identity", message: problem }] })
      }
      if (!Permissions.allows(principal, "credentials.read")) {
        return yield* new Forbidden({ message: `credentials need a token with role ${Permissions.describe("credentials.read")} (token ${principal.token_id} has role ${principal.role})` })
      }
      const source = { channel: "email", provider: "gmail", endpoint_identity: endpoint }
      if (!covers(principal, source) || principal.endpoint_identity !== endpoint) {
        return yield* new Forbidden({
          message: `token ${principal.token_id} (scope ${principal.channel}/${principal.provider}/${principal.endpoint_identity}) ` +
            `does not cover email/gmail/${endpoint}: credentials are only given to a token scoped to exactly this mailbox`
        })
      }
      const app = yield* OAuthClient.resolve(settings, store)
      const refreshToken = yield* store.get(endpoint, GmailOAuth.REFRESH_TOKEN)
      if (Option.isNone(refreshToken)) {
        return yield* new CredentialsMissing({
          endpoint,
          message: `no refresh token is stored for ${endpoint}: authorise it at /oauth/gmail/start?endpoint=${encodeURIComponent(endpoint)} ` +
            "or with `switchboard gmail auth`"
        })
      }
      yield* Effect.logInfo("gmail credentials handed to a connector").pipe(
        Effect.annotateLogs({ endpoint, token_id: principal.token_id })
      )
      return { client_id: app.clientId, client_secret: app.clientSecret, refresh_token: refreshToken.value } satisfies CredentialsAnswer
    }).pipe(
      Effect.catchTags({
        OAuthClientMissing: (e) => Effect.fail(new CredentialsMissing({ endpoint: request.endpoint_identity, message: e.message })),
        SecretUndecryptable: (e) =>
          Effect.fail(
            new CredentialsMissing({
              endpoint: request.endpoint_identity,
              message: `the stored ${e.name} of ${e.owner} cannot be decrypted with the hub's SWITCHBOARD_SECRETS_KEY: restore that key, or store it again`
            })
          ),
        SecretStoreUnavailable: (e) =>
          Effect.fail(
            PgSecretStore.isKeyMissing(e)
              ? new CredentialsMissing({ endpoint: request.endpoint_identity, message: e.message })
              : new CredentialsUnavailable({ message: e.message })
          )
      }),
      Effect.withSpan("Credentials.get")
    )
})
