/**
 * GmailCredentials from the environment, the development path: GMAIL_CLIENT_ID, GMAIL_CLIENT_SECRET and
 * GMAIL_REFRESH_TOKEN, read once when the layer is built. A missing one does not stop the process: `get`
 * answers CredentialsMissing naming every missing variable, which the client reports as
 * GmailAuthFailed("no_credentials") (health `error`, heartbeats go on).
 */
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { CredentialsMissing, GmailCredentials, type OAuthCredentials } from "../../services/GmailCredentials.js"

export interface Options {
  /** The mailbox these credentials are for (named in CredentialsMissing). */
  readonly endpoint: string
  readonly clientId: Option.Option<string>
  readonly clientSecret: Option.Option<Redacted.Redacted<string>>
  readonly refreshToken: Option.Option<Redacted.Redacted<string>>
}

const optionalText = (name: string) =>
  Config.option(Config.string(name)).pipe(Config.map(Option.filter((v) => v.trim() !== "")))
// not Config.redacted: its errors would say "<redacted>" instead of naming the variable
const optionalSecret = (name: string) => optionalText(name).pipe(Config.map(Option.map((v) => Redacted.make(v.trim()))))

export const OptionsFromEnv: Config.Config<Options> = Config.all({
  endpoint: Config.succeed("environment"),
  clientId: optionalText("GMAIL_CLIENT_ID").pipe(Config.map(Option.map((v) => v.trim()))),
  clientSecret: optionalSecret("GMAIL_CLIENT_SECRET"),
  refreshToken: optionalSecret("GMAIL_REFRESH_TOKEN")
})

export const make = (options: Options) => {
  const missing = [
    Option.isNone(options.clientId) ? "GMAIL_CLIENT_ID" : undefined,
    Option.isNone(options.clientSecret) ? "GMAIL_CLIENT_SECRET" : undefined,
    Option.isNone(options.refreshToken) ? "GMAIL_REFRESH_TOKEN" : undefined
  ].filter((name) => name !== undefined)
  const get: Effect.Effect<OAuthCredentials, CredentialsMissing> =
    Option.isSome(options.clientId) && Option.isSome(options.clientSecret) && Option.isSome(options.refreshToken)
      ? Effect.succeed({
        clientId: options.clientId.value,
        clientSecret: options.clientSecret.value,
        refreshToken: options.refreshToken.value
      })
      : Effect.fail(new CredentialsMissing({
        endpoint: options.endpoint,
        message: `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set (run the Gmail OAuth setup)`
      }))
  return GmailCredentials.of({ get })
}

/** Fixed credentials (tests, or a caller that read them elsewhere). */
export const layer = (credentials: {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
}) =>
  Layer.succeed(
    GmailCredentials,
    make({
      endpoint: "environment",
      clientId: Option.some(credentials.clientId),
      clientSecret: Option.some(credentials.clientSecret),
      refreshToken: Option.some(credentials.refreshToken)
    })
  )

/** From GMAIL_CLIENT_ID, GMAIL_CLIENT_SECRET and GMAIL_REFRESH_TOKEN. */
export const layerConfig = Layer.effect(GmailCredentials, Effect.map(OptionsFromEnv, make))
