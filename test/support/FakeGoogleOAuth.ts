/**
 * The Google OAuth side of FakeGmail: the token endpoint (refresh_token and authorization_code grants,
 * form-encoded, client id/secret in the body or HTTP Basic, Google's RFC 6749 error bodies), the
 * authorization endpoint's consent page, access tokens with an expiry, revocable refresh tokens, and an
 * RS256 JWKS with `signPushToken` for Pub/Sub push OIDC tokens (signed with `jose`).
 */
import { Effect } from "effect"
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose"
import { createHash, randomBytes } from "node:crypto"

export type Json = Record<string, unknown>

export interface Answer {
  readonly status: number
  readonly body: Json | string
  readonly headers?: Record<string, string>
}

export interface OAuthOptions {
  readonly clientId?: string
  readonly clientSecret?: string
  /** A refresh token valid from the start. */
  readonly refreshToken?: string
  /** `expires_in` of issued access tokens (default 3599, as Google). */
  readonly accessTokenExpiresInS?: number
  readonly scope?: string
}

export interface AuthorizationCodeRequest {
  readonly redirectUri: string
  readonly scope: string
  /** PKCE S256 challenge (base64url SHA-256 of the verifier); the exchange must then send `code_verifier`. */
  readonly codeChallenge?: string
}

export interface PushTokenClaims {
  readonly audience: string
  readonly email: string
  /** Default https://accounts.google.com. */
  readonly issuer?: string
  /** Default 3600. Negative makes an already expired token. */
  readonly expiresInS?: number
  /** Issued-at, epoch seconds (default now). */
  readonly issuedAt?: number
  readonly emailVerified?: boolean
  /** Sign with a key that is not in the JWKS (a forged token). */
  readonly unknownKey?: boolean
}

export const GMAIL_READONLY_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
const oauthError = (status: number, error: string, description: string): Answer => ({
  status,
  body: { error, error_description: description }
})
const token = (prefix: string) => `${prefix}${randomBytes(24).toString("base64url")}`
const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url")
const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c] ?? c)

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>

export class FakeGoogleOAuth {
  readonly clientId: string
  readonly clientSecret: string
  readonly scope: string
  /** `expires_in` of the next issued access tokens. */
  accessTokenExpiresInS: number
  /** While true every refresh_token grant answers `invalid_grant` (a revoked grant). */
  invalidGrant = false
  readonly refreshTokens = new Set<string>()
  /** Every access token ever issued, revoked ones included. */
  readonly issuedAccessTokens: Array<string> = []
  /** Valid access tokens → expiry (real epoch ms). */
  readonly accessTokens = new Map<string, number>()
  readonly codes = new Map<string, AuthorizationCodeRequest & { used: boolean }>()
  /** Every token request: grant type and client id (no secrets). */
  readonly tokenRequests: Array<{ grant_type: string; client_id: string; refresh_token?: string }> = []
  /** The query of every authorization-page request. */
  readonly authorizationRequests: Array<Record<string, string>> = []

  constructor(options: OAuthOptions, private readonly keys: { good: KeyPair; other: KeyPair; jwk: JWK }) {
    this.clientId = options.clientId ?? "fake-client-id.apps.googleusercontent.com"
    this.clientSecret = options.clientSecret ?? "GOCSPX-fake-client-secret"
    this.scope = options.scope ?? GMAIL_READONLY_SCOPE
    this.accessTokenExpiresInS = options.accessTokenExpiresInS ?? 3599
    this.refreshTokens.add(options.refreshToken ?? "1//0fake-initial-refresh-token")
  }

  static make = (options: OAuthOptions) =>
    Effect.promise(async () => {
      const good = await generateKeyPair("RS256", { extractable: true })
      const other = await generateKeyPair("RS256", { extractable: true })
      const jwk = { ...(await exportJWK(good.publicKey)), kid: "fake-google-key-1", alg: "RS256", use: "sig" }
      return new FakeGoogleOAuth(options, { good, other, jwk })
    })

  /** The refresh token valid from the start (the first one). */
  get initialRefreshToken(): string {
    return [...this.refreshTokens][0] ?? ""
  }

  /** Makes `refreshToken` valid (as if the user authorised again). */
  addRefreshToken(refreshToken: string) {
    this.refreshTokens.add(refreshToken)
  }

  /** Revokes one refresh token, or all of them: their grants answer `invalid_grant`. */
  revokeRefreshToken(refreshToken?: string) {
    if (refreshToken === undefined) this.refreshTokens.clear()
    else this.refreshTokens.delete(refreshToken)
  }

  /** Every issued access token stops working: the next Gmail call answers 401. */
  revokeAccessTokens() {
    this.accessTokens.clear()
  }

  /** Whether an `Authorization` header carries a valid, unexpired access token. */
  checkBearer(header: string | undefined): boolean {
    const match = /^Bearer (\S+)$/.exec(header ?? "")
    const expiresAt = match?.[1] === undefined ? undefined : this.accessTokens.get(match[1])
    return expiresAt !== undefined && expiresAt > Date.now()
  }

  /** A code as the consent page would give it to `redirectUri` (the user pressed Allow). */
  issueAuthorizationCode(request: AuthorizationCodeRequest): string {
    const code = token("4/0fake-")
    this.codes.set(code, { ...request, used: false })
    return code
  }

  /** POST /token with the form fields and the Authorization header. */
  tokenEndpoint(form: Record<string, string>, authorization: string | undefined): Answer {
    const basic = /^Basic (\S+)$/.exec(authorization ?? "")?.[1]
    const [basicId, basicSecret] = basic === undefined
      ? [undefined, undefined]
      : Buffer.from(basic, "base64").toString("utf8").split(":").map(decodeURIComponent)
    const clientId = form["client_id"] ?? basicId
    const clientSecret = form["client_secret"] ?? basicSecret
    const grant = form["grant_type"] ?? ""
    this.tokenRequests.push({
      grant_type: grant,
      client_id: clientId ?? "",
      ...(form["refresh_token"] === undefined ? {} : { refresh_token: form["refresh_token"] })
    })
    if (clientId !== this.clientId) return oauthError(401, "invalid_client", "The OAuth client was not found.")
    if (clientSecret !== this.clientSecret) return oauthError(401, "invalid_client", "Unauthorized")
    if (grant === "refresh_token") {
      const refresh = form["refresh_token"]
      if (refresh === undefined) return oauthError(400, "invalid_request", "Missing required parameter: refresh_token")
      if (this.invalidGrant || !this.refreshTokens.has(refresh)) {
        return oauthError(400, "invalid_grant", "Token has been expired or revoked.")
      }
      return { status: 200, body: this.issueAccessToken() }
    }
    if (grant === "authorization_code") {
      const code = this.codes.get(form["code"] ?? "")
      if (code === undefined || code.used) return oauthError(400, "invalid_grant", "Malformed auth code.")
      if (form["redirect_uri"] !== code.redirectUri) return oauthError(400, "redirect_uri_mismatch", "Bad Request")
      if (code.codeChallenge !== undefined && s256(form["code_verifier"] ?? "") !== code.codeChallenge) {
        return oauthError(400, "invalid_grant", "Invalid code verifier.")
      }
      code.used = true
      const refresh = token("1//0fake-")
      this.refreshTokens.add(refresh)
      return { status: 200, body: { ...this.issueAccessToken(code.scope), refresh_token: refresh } }
    }
    return oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${grant}`)
  }

  private issueAccessToken(scope = this.scope): Json {
    const access = token("ya29.fake-")
    this.accessTokens.set(access, Date.now() + this.accessTokenExpiresInS * 1000)
    this.issuedAccessTokens.push(access)
    return { access_token: access, expires_in: this.accessTokenExpiresInS, scope, token_type: "Bearer" }
  }

  /** GET on the authorization endpoint: Google's checks, then a consent page whose "Allow" link carries a fresh code. */
  authorizationPage(query: Record<string, string>): Answer {
    this.authorizationRequests.push(query)
    const page = (status: number, title: string, body: string): Answer => ({
      status,
      body: `<!doctype html><html><head><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
      headers: { "content-type": "text/html; charset=utf-8" }
    })
    if (query["client_id"] !== this.clientId) return page(401, "Error 401: invalid_client", "<h1>The OAuth client was not found.</h1>")
    const redirectUri = query["redirect_uri"]
    if (redirectUri === undefined || !URL.canParse(redirectUri)) {
      return page(400, "Error 400: invalid_request", "<h1>Missing required parameter: redirect_uri</h1>")
    }
    if (query["response_type"] !== "code") {
      return page(400, "Error 400: invalid_request", "<h1>Invalid response_type</h1>")
    }
    const scope = query["scope"] ?? ""
    const code = this.issueAuthorizationCode({
      redirectUri,
      scope,
      ...(query["code_challenge"] === undefined ? {} : { codeChallenge: query["code_challenge"] })
    })
    const target = new URL(redirectUri)
    if (query["state"] !== undefined) target.searchParams.set("state", query["state"])
    target.searchParams.set("code", code)
    target.searchParams.set("scope", scope)
    return page(200, "Sign in - Google Accounts", `<p>Fake Google wants access to ${escapeHtml(scope)}</p>` +
      `<a id="approve" href="${escapeHtml(target.toString())}">Allow</a>`)
  }

  jwks(): Json {
    return { keys: [this.keys.jwk] }
  }

  /** An OIDC token as Pub/Sub attaches to a push (RS256, kid of the JWKS key unless `unknownKey`). */
  signPushToken(claims: PushTokenClaims): Effect.Effect<string> {
    const iat = claims.issuedAt ?? Math.floor(Date.now() / 1000)
    const key = claims.unknownKey === true ? this.keys.other.privateKey : this.keys.good.privateKey
    return Effect.promise(() =>
      new SignJWT({
        email: claims.email,
        email_verified: claims.emailVerified ?? true,
        azp: "112233445566778899000",
        sub: "112233445566778899000"
      })
        .setProtectedHeader({ alg: "RS256", kid: this.keys.jwk.kid ?? "", typ: "JWT" })
        .setIssuer(claims.issuer ?? "https://accounts.google.com")
        .setAudience(claims.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + (claims.expiresInS ?? 3600))
        .sign(key)
    )
  }
}
