/**
 * How the hub verifies Gmail's Pub/Sub pushes (POST /gmail/<endpoint>/push): a shared token in the
 * push endpoint's query (`?token=`, GMAIL_PUBSUB_VERIFICATION_TOKEN), or the OIDC token Pub/Sub sends
 * as `Authorization: Bearer` (GMAIL_PUBSUB_AUDIENCE, optionally GMAIL_PUBSUB_SERVICE_ACCOUNT for its
 * `email` claim), verified against Google's keys (GOOGLE_OIDC_JWKS_URL).
 */
import { Config, ConfigError, Either, Option, type Redacted } from "effect"

export interface PushVerification {
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly audience: Option.Option<string>
  readonly serviceAccount: Option.Option<string>
  readonly jwksUrl: string
}

export const DEFAULT_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"
/** The issuers of Google-signed OIDC tokens. */
export const ISSUERS = ["https://accounts.google.com", "accounts.google.com"]

const nonEmpty = (name: string) =>
  Config.option(Config.string(name)).pipe(Config.map(Option.filter((v) => v.trim() !== "")), Config.map(Option.map((v) => v.trim())))

export const FromEnv: Config.Config<PushVerification> = Config.all({
  token: Config.option(Config.redacted("GMAIL_PUBSUB_VERIFICATION_TOKEN")),
  audience: nonEmpty("GMAIL_PUBSUB_AUDIENCE"),
  serviceAccount: nonEmpty("GMAIL_PUBSUB_SERVICE_ACCOUNT"),
  jwksUrl: Config.string("GOOGLE_OIDC_JWKS_URL").pipe(
    Config.withDefault(DEFAULT_JWKS_URL),
    Config.mapOrFail((url) =>
      URL.canParse(url) && /^https?:$/.test(new URL(url).protocol)
        ? Either.right(url)
        : Either.left(ConfigError.InvalidData([], "GOOGLE_OIDC_JWKS_URL must be an http:// or https:// URL"))
    )
  )
})

/** Whether pushes can be verified at all. */
export const isConfigured = (v: PushVerification) => Option.isSome(v.token) || Option.isSome(v.audience)
