/**
 * Which OAuth app (client id and secret) the Gmail flow and the connectors use: GMAIL_CLIENT_ID with
 * GMAIL_CLIENT_SECRET when GMAIL_CLIENT_ID is set (both from the environment, never mixed with the
 * store), else `client_id` and `client_secret` of `gmail:client` in the secret store.
 */
import { Effect, Option, Redacted } from "effect"
import type { SecretStoreService } from "../../services/SecretStore.js"
import { CLIENT_ID, CLIENT_OWNER, CLIENT_SECRET, type GmailOAuthSettings, OAuthClientMissing } from "./GmailOAuth.js"

export interface OAuthApp {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** "environment" or "secret store", for messages. */
  readonly source: string
}

const HOW = "set GMAIL_CLIENT_ID and GMAIL_CLIENT_SECRET, or store the app with " +
  "`switchboard gmail credentials client --client-id <id>` (the secret on stdin)"

export const resolve = (settings: GmailOAuthSettings, store: SecretStoreService) =>
  Effect.gen(function*() {
    if (settings.clientId !== undefined) {
      if (settings.clientSecret === undefined) {
        return yield* new OAuthClientMissing({ message: "GMAIL_CLIENT_ID is set but GMAIL_CLIENT_SECRET is not: set both" })
      }
      return { clientId: settings.clientId, clientSecret: settings.clientSecret, source: "environment" } satisfies OAuthApp
    }
    const id = yield* store.get(CLIENT_OWNER, CLIENT_ID)
    const secret = yield* store.get(CLIENT_OWNER, CLIENT_SECRET)
    if (Option.isNone(id) || Option.isNone(secret)) {
      return yield* new OAuthClientMissing({ message: `no Gmail OAuth client is configured: ${HOW}` })
    }
    // The client id is not a secret (every consent URL shows it); it is only stored like one.
    return { clientId: Redacted.value(id.value), clientSecret: secret.value, source: "secret store" } satisfies OAuthApp
  })

