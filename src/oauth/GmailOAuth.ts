/**
 * The parts of Google's OAuth 2.0 authorization-code flow (with PKCE, S256) that the hub's routes and
 * the CLI share: settings, the mailbox identity check, the consent URL, and where secrets are kept.
 * https://developers.google.com/identity/protocols/oauth2/web-server
 */
import { Config, Redacted, Schema } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { MAX_ENDPOINT_IDENTITY_BYTES } from "../domain/Envelope.js"
import { boundedProblem } from "../domain/Text.js"

export const SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
export const ENDPOINT_PREFIX = "gmail:user:"
export const CALLBACK_PATH = "/oauth/gmail/callback"
export const COOKIE_PATH = "/oauth/gmail"
export const COOKIE_NAME = "sb_gmail_oauth"
/** A consent must come back within this long. */
export const STATE_TTL_MS = 10 * 60 * 1000

/** Secret-store names: the OAuth app under CLIENT_OWNER, a mailbox's refresh token under its identity. */
export const CLIENT_OWNER = "gmail:client"
export const CLIENT_ID = "client_id"
export const CLIENT_SECRET = "client_secret"
export const REFRESH_TOKEN = "refresh_token"

export interface GmailOAuthSettings {
  /** Google's consent page (GOOGLE_OAUTH_AUTH_URL). */
  readonly authUrl: string
  /** Google's token endpoint (GOOGLE_OAUTH_TOKEN_URL). */
  readonly tokenUrl: string
  /** Where Google sends the browser back (GMAIL_OAUTH_REDIRECT_URI); None: the hub's own callback on 127.0.0.1. */
  readonly redirectUri: string | undefined
  /** The OAuth app from the environment (GMAIL_CLIENT_ID); when set it wins over the secret store. */
  readonly clientId: string | undefined
  /** GMAIL_CLIENT_SECRET. */
  readonly clientSecret: Redacted.Redacted<string> | undefined
  /** The hub's port (SWITCHBOARD_PORT), for the default redirect URI of the CLI. */
  readonly hubPort: number
}

const isHttpUrl = (u: string) => /^https?:\/\/[^\s]+$/.test(u) && URL.canParse(u)

const httpUrl = (name: string) =>
  Config.string(name).pipe(Config.validate({ message: `${name} must be an http:// or https:// URL`, validation: isHttpUrl }))

const optionalString = (name: string) =>
  Config.option(Config.nonEmptyString(name)).pipe(Config.map((o) => (o._tag === "Some" ? o.value : undefined)))

export const SettingsConfig: Config.Config<GmailOAuthSettings> = Config.all({
  authUrl: httpUrl("GOOGLE_OAUTH_AUTH_URL").pipe(Config.withDefault("https://accounts.google.com/o/oauth2/v2/auth")),
  tokenUrl: httpUrl("GOOGLE_OAUTH_TOKEN_URL").pipe(Config.withDefault("https://oauth2.googleapis.com/token")),
  redirectUri: Config.option(httpUrl("GMAIL_OAUTH_REDIRECT_URI")).pipe(
    Config.map((o) => (o._tag === "Some" ? o.value : undefined))
  ),
  clientId: optionalString("GMAIL_CLIENT_ID"),
  clientSecret: Config.option(Config.nonEmptyString("GMAIL_CLIENT_SECRET")).pipe(
    Config.map((o) => (o._tag === "Some" ? Redacted.make(o.value) : undefined))
  ),
  hubPort: Config.integer("SWITCHBOARD_PORT").pipe(Config.withDefault(7400))
})

/** The hub's own callback on the loopback interface at `port`. */
export const defaultRedirectUri = (port: number) => `http://127.0.0.1:${port}${CALLBACK_PATH}`

const LOCAL_PART = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$/
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/

/** Why `endpoint` is not `gmail:user:<address>`, or undefined (checked before it reaches SQL or a log). */
export const endpointProblem = (endpoint: string): string | undefined => {
  const bounded = boundedProblem(endpoint, MAX_ENDPOINT_IDENTITY_BYTES)
  if (bounded !== undefined) return `endpoint ${bounded}`
  if (!endpoint.startsWith(ENDPOINT_PREFIX)) return `endpoint must be "${ENDPOINT_PREFIX}<address>"`
  const address = endpoint.slice(ENDPOINT_PREFIX.length)
  const at = address.lastIndexOf("@")
  if (at <= 0 || !LOCAL_PART.test(address.slice(0, at)) || !DOMAIN.test(address.slice(at + 1))) {
    return `endpoint must be "${ENDPOINT_PREFIX}<address>" with a mail address such as alice@example.com`
  }
  return undefined
}

export const addressOf = (endpoint: string) => endpoint.slice(ENDPOINT_PREFIX.length)

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url")

/** A fresh random value (state, browser nonce, PKCE verifier): 32 bytes, base64url (43 characters). */
export const randomToken = (): Redacted.Redacted<string> => Redacted.make(base64url(randomBytes(32)))

/** A value we issued has this shape; anything else is refused before it is hashed or looked up. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

export const sha256 = (value: Redacted.Redacted<string>) => createHash("sha256").update(Redacted.value(value)).digest("hex")

/** The PKCE S256 challenge of a verifier. */
export const challengeOf = (verifier: Redacted.Redacted<string>) =>
  createHash("sha256").update(Redacted.value(verifier)).digest("base64url")

/** Google's consent URL: offline access (a refresh token), consent forced, PKCE, the mailbox as login hint. */
export const consentUrl = (
  authUrl: string,
  p: {
    readonly clientId: string
    readonly redirectUri: string
    readonly state: Redacted.Redacted<string>
    readonly verifier: Redacted.Redacted<string>
    readonly endpoint: string
  }
): string => {
  const url = new URL(authUrl)
  url.searchParams.set("client_id", p.clientId)
  url.searchParams.set("redirect_uri", p.redirectUri)
  url.searchParams.set("response_type", "code")
  url.searchParams.set("scope", SCOPE)
  url.searchParams.set("access_type", "offline")
  url.searchParams.set("prompt", "consent")
  url.searchParams.set("include_granted_scopes", "false")
  url.searchParams.set("login_hint", addressOf(p.endpoint))
  url.searchParams.set("code_challenge", challengeOf(p.verifier))
  url.searchParams.set("code_challenge_method", "S256")
  url.searchParams.set("state", Redacted.value(p.state))
  return url.toString()
}

/** The OAuth app is not configured: neither GMAIL_CLIENT_ID/GMAIL_CLIENT_SECRET nor the secret store has it. */
export class OAuthClientMissing extends Schema.TaggedError<OAuthClientMissing>()("OAuthClientMissing", {
  message: Schema.String
}) {}

/** Google (or the user) refused: the consent was denied, or the token endpoint refused the code. */
export class OAuthRefused extends Schema.TaggedError<OAuthRefused>()("OAuthRefused", {
  error: Schema.String,
  message: Schema.String
}) {}

/** The token endpoint could not be reached, timed out, or answered something that is not OAuth. */
export class OAuthTokenEndpointFailed extends Schema.TaggedError<OAuthTokenEndpointFailed>()("OAuthTokenEndpointFailed", {
  message: Schema.String
}) {}

/** Google answered without a refresh token (the app was authorised before without prompt=consent). */
export class RefreshTokenMissing extends Schema.TaggedError<RefreshTokenMissing>()("RefreshTokenMissing", {
  message: Schema.String
}) {}

/** The user's consent did not include the gmail.readonly scope (Google lets users untick scopes). */
export class ScopeNotGranted extends Schema.TaggedError<ScopeNotGranted>()("ScopeNotGranted", {
  message: Schema.String
}) {}

/** An OAuth error code as Google sends it (`access_denied`, `invalid_grant`, …), or "unrecognised". */
export const errorCode = (code: string | undefined): string =>
  code !== undefined && /^[a-z_]{1,64}$/.test(code) ? code : "unrecognised"

/** A text from Google for a message: printable ASCII only, at most 200 characters. */
export const describeText = (text: string | undefined): string =>
  text === undefined ? "" : text.replace(/[^\x20-\x7e]/g, "?").slice(0, 200)

export const refreshTokenMissingMessage = (endpoint: string) =>
  `Google answered without a refresh token for ${endpoint}: this app was authorised before. Revoke its access at ` +
  "https://myaccount.google.com/permissions and start the consent again (the hub asks with prompt=consent)"
