/**
 * Where the Gmail connector gets its OAuth client and refresh token: from the hub's secret store (over
 * the RPC with the connector's scoped token, or directly when the hub hosts the connector), or for
 * development from GMAIL_CLIENT_ID / GMAIL_CLIENT_SECRET / GMAIL_REFRESH_TOKEN. Secrets stay Redacted.
 */
import { Context, type Effect, type Redacted, Schema } from "effect"

export interface OAuthCredentials {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
}

/** No credentials are stored for this mailbox (or some part is missing): run the OAuth flow. */
export class CredentialsMissing extends Schema.TaggedError<CredentialsMissing>()("CredentialsMissing", {
  endpoint: Schema.String,
  message: Schema.String
}) {}

/** The store (or the hub holding it) could not be reached now; try again later. */
export class CredentialsUnavailable extends Schema.TaggedError<CredentialsUnavailable>()("CredentialsUnavailable", {
  message: Schema.String
}) {}

export interface GmailCredentialsService {
  /** The credentials of the mailbox this connector reads (read again after a refusal, so a re-authorisation is picked up). */
  readonly get: Effect.Effect<OAuthCredentials, CredentialsMissing | CredentialsUnavailable>
}

export class GmailCredentials extends Context.Tag("switchboard/GmailCredentials")<
  GmailCredentials,
  GmailCredentialsService
>() {}
