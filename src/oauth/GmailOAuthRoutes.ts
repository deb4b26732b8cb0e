/**
 * The Gmail consent served by the hub.
 * - `GET /oauth/gmail/start?endpoint=gmail:user:<address>` (admin token; 401 before anything else, 403
 *   for another role): 302 to Google's consent page, or with `Accept: application/json` 200
 *   `{authorization_url, …}` for a dashboard to navigate to; either way with an HttpOnly SameSite=Lax
 *   cookie (path /oauth/gmail, 10 minutes) binding the consent to this browser.
 * - `GET /oauth/gmail/callback?code&state` (Google's redirect, no bearer): state known, unused, unexpired
 *   and matching the cookie, then the code is exchanged and the refresh token stored under the mailbox.
 * Answers never carry a token or code; 4xx name the failed check, 409 the missing configuration
 * (OAuth app, SWITCHBOARD_SECRETS_KEY), 502 what Google's token endpoint did, 503 only "unavailable".
 */
import { HttpClient, HttpLayerRouter, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpClient, NodeHttpServerRequest } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import * as PgSecretStore from "../../layers/SecretStore/PgSecretStore.js"
import { SecretStore, type SecretStoreUnavailable } from "../../services/SecretStore.js"
import { TokenStore } from "../../services/TokenStore.js"
import * as Permissions from "../domain/Permissions.js"
import { authenticate } from "../rpc/Bearer.js"
import * as GmailOAuth from "./GmailOAuth.js"
import * as OAuthClient from "./OAuthClient.js"
import * as OAuthStates from "./OAuthStates.js"
import * as Page from "./Page.js"
import { exchangeCode } from "./TokenExchange.js"

const MAX_URL_BYTES = 8192
const MAX_CODE_CHARS = 2048
const CODE_SHAPE = /^[\x21-\x7e]+$/

const noStore = { "cache-control": "no-store", "referrer-policy": "no-referrer" }

const json = (status: number, body: Record<string, unknown>) =>
  HttpServerResponse.unsafeJson(body, { status, headers: noStore })

const refuse = (status: number, tag: string, message: string, extra: Record<string, unknown> = {}) =>
  Effect.as(
    Effect.logWarning(`gmail oauth: refused (${status}): ${message}`),
    json(status, { _tag: tag, message, ...extra })
  )

const wantsJson = (request: HttpServerRequest.HttpServerRequest) => (request.headers["accept"] ?? "").includes("application/json")

type Query = { readonly get: (name: string, maxChars: number) => Option.Option<string> | string }

/** The query string, each parameter at most once and bounded; a string is what is wrong. */
const queryOf = (request: HttpServerRequest.HttpServerRequest): Query | string => {
  if (Buffer.byteLength(request.url) > MAX_URL_BYTES) return `the URL is longer than ${MAX_URL_BYTES} bytes`
  const params = new URL(request.url, "http://hub.local").searchParams
  return {
    get: (name, maxChars) => {
      const values = params.getAll(name)
      if (values.length > 1) return `query parameter "${name}" is given ${values.length} times`
      const value = values[0]
      if (value === undefined || value === "") return Option.none()
      return value.length > maxChars ? `query parameter "${name}" is longer than ${maxChars} characters` : Option.some(value)
    }
  }
}

/** The port this request came in on (SWITCHBOARD_PORT may be 0), for the default redirect URI. */
const localPort = (request: HttpServerRequest.HttpServerRequest, fallback: number) => {
  try {
    return NodeHttpServerRequest.toIncomingMessage(request).socket.localPort ?? fallback
  } catch {
    return fallback
  }
}

const storeRefusal = (e: SecretStoreUnavailable) =>
  PgSecretStore.isKeyMissing(e)
    ? refuse(409, "SecretsKeyMissing", e.message)
    : refuse(503, "Unavailable", `the secret store is unavailable: ${e.message}`, { retry_after_s: 2 })

const undecryptable = (owner: string, name: string) =>
  refuse(
    409,
    "SecretUndecryptable",
    `the stored secret ${name} of ${owner} cannot be decrypted with the current SWITCHBOARD_SECRETS_KEY: restore the key it was stored under, or store it again`
  )

const stateMessages: Record<OAuthStates.StateProblem, readonly [number, string]> = {
  unknown: [400, "this consent's state is unknown to the hub: start again at /oauth/gmail/start (a consent begun with `switchboard gmail auth` is finished by pasting this page's address into that command)"],
  used: [400, "this consent's state was used already: start again at /oauth/gmail/start"],
  expired: [400, `this consent's state expired (valid for ${GmailOAuth.STATE_TTL_MS / 60_000} minutes): start again at /oauth/gmail/start`],
  cookie_missing: [403, "the browser sent no consent cookie: finish in the browser that opened /oauth/gmail/start, on the same host as the redirect URI"],
  cookie_mismatch: [403, "the consent cookie belongs to another consent: finish in the browser that opened this consent"]
}

export const layer = HttpLayerRouter.use((router) =>
  Effect.gen(function*() {
    const settings = yield* GmailOAuth.SettingsConfig
    const tokens = yield* TokenStore
    const store = yield* SecretStore
    const http = yield* HttpClient.HttpClient
    const sql = yield* SqlClient.SqlClient
    const services = Context.make(SecretStore, store).pipe(Context.add(SqlClient.SqlClient, sql))

    const start = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const principal = yield* authenticate(tokens, request.headers["authorization"])
        if (!Permissions.allows(principal, "oauth.gmail.start")) {
          return yield* refuse(403, "Forbidden", `starting a Gmail consent needs an admin token (token ${principal.token_id} has role ${principal.role})`)
        }
        const query = queryOf(request)
        if (typeof query === "string") return yield* refuse(400, "ValidationError", query)
        const endpoint = query.get("endpoint", 512)
        if (typeof endpoint === "string") return yield* refuse(400, "ValidationError", endpoint)
        if (Option.isNone(endpoint)) return yield* refuse(400, "ValidationError", "query parameter \"endpoint\" is required (gmail:user:<address>)")
        const problem = GmailOAuth.endpointProblem(endpoint.value)
        if (problem !== undefined) return yield* refuse(400, "ValidationError", problem)
        const app = yield* OAuthClient.resolve(settings, store)
        const redirectUri = settings.redirectUri ?? GmailOAuth.defaultRedirectUri(localPort(request, settings.hubPort))
        const begun = yield* OAuthStates.begin({ tokenId: principal.token_id, endpoint: endpoint.value, redirectUri })
        const url = GmailOAuth.consentUrl(settings.authUrl, { ...begun, clientId: app.clientId, redirectUri, endpoint: endpoint.value })
        yield* Effect.logInfo("gmail oauth: consent started").pipe(
          Effect.annotateLogs({ endpoint: endpoint.value, token_id: principal.token_id, client: app.source })
        )
        const response = wantsJson(request)
          ? json(200, { authorization_url: url, endpoint_identity: endpoint.value, redirect_uri: redirectUri, expires_at: begun.expiresAt.toISOString() })
          : HttpServerResponse.redirect(url, { status: 302, headers: noStore })
        return HttpServerResponse.unsafeSetCookie(response, GmailOAuth.COOKIE_NAME, Redacted.value(begun.browserNonce), {
          httpOnly: true,
          sameSite: "lax",
          path: GmailOAuth.COOKIE_PATH,
          maxAge: `${GmailOAuth.STATE_TTL_MS} millis`,
          secure: redirectUri.startsWith("https:")
        })
      }).pipe(
        Effect.provide(services),
        Effect.catchTags({
          Unauthorized: (e) => refuse(401, "Unauthorized", e.message),
          Unavailable: (e) => refuse(503, "Unavailable", e.message, { retry_after_s: e.retry_after_s }),
          OAuthClientMissing: (e) => refuse(409, "OAuthClientMissing", e.message),
          SecretStoreUnavailable: storeRefusal,
          SecretUndecryptable: (e) => undecryptable(e.owner, e.name),
          OAuthStatesUnavailable: (e) => refuse(503, "Unavailable", e.message, { retry_after_s: 2 })
        })
      )

    const callback = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const query = queryOf(request)
        if (typeof query === "string") return yield* refuse(400, "ValidationError", query)
        const denied = query.get("error", 256)
        if (typeof denied === "string") return yield* refuse(400, "ValidationError", denied)
        if (Option.isSome(denied)) {
          const code = GmailOAuth.errorCode(denied.value)
          return yield* refuse(400, "OAuthRefused", `Google answered the consent with error ${code}${code === "access_denied" ? " (the consent was declined)" : ""}: start again at /oauth/gmail/start`, { error: code })
        }
        const state = query.get("state", 128)
        const code = query.get("code", MAX_CODE_CHARS)
        if (typeof state === "string") return yield* refuse(400, "ValidationError", state)
        if (typeof code === "string") return yield* refuse(400, "ValidationError", code)
        if (Option.isNone(state)) return yield* refuse(400, "ValidationError", "query parameter \"state\" is required")
        if (!GmailOAuth.TOKEN_SHAPE.test(state.value)) return yield* refuse(400, "ValidationError", "query parameter \"state\" is not a state this hub issues")
        if (Option.isNone(code)) return yield* refuse(400, "ValidationError", "query parameter \"code\" is required")
        if (!CODE_SHAPE.test(code.value)) return yield* refuse(400, "ValidationError", "query parameter \"code\" holds characters an authorization code never has")
        const cookie = Option.fromNullable(request.cookies[GmailOAuth.COOKIE_NAME]).pipe(
          // a malformed cookie is compared (and fails) like a wrong one; it is never hashed unchecked into a log
          Option.map((c) => Redacted.make(GmailOAuth.TOKEN_SHAPE.test(c) ? c : "-"))
        )
        const done = yield* OAuthStates.complete({ state: Redacted.make(state.value), browserNonce: cookie })
        const app = yield* OAuthClient.resolve(settings, store)
        const refreshToken = yield* exchangeCode({
          tokenUrl: settings.tokenUrl,
          clientId: app.clientId,
          clientSecret: app.clientSecret,
          code: Redacted.make(code.value),
          verifier: done.verifier,
          redirectUri: done.redirectUri,
          endpoint: done.endpoint
        }).pipe(Effect.provideService(HttpClient.HttpClient, http))
        yield* store.put(done.endpoint, GmailOAuth.REFRESH_TOKEN, refreshToken)
        yield* Effect.logInfo("gmail oauth: mailbox authorised, refresh token stored").pipe(
          Effect.annotateLogs({ endpoint: done.endpoint, token_id: done.tokenId })
        )
        const response = wantsJson(request)
          ? json(200, { status: "authorised", endpoint_identity: done.endpoint, stored: GmailOAuth.REFRESH_TOKEN })
          : HttpServerResponse.html(Page.authorised(done.endpoint)).pipe(
            HttpServerResponse.setHeaders({ ...noStore, "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'" })
          )
        return HttpServerResponse.unsafeSetCookie(response, GmailOAuth.COOKIE_NAME, "", { path: GmailOAuth.COOKIE_PATH, maxAge: 0, httpOnly: true, sameSite: "lax" })
      }).pipe(
        Effect.provide(services),
        Effect.catchTags({
          StateRefused: (e) => refuse(stateMessages[e.problem][0], "StateRefused", stateMessages[e.problem][1], { problem: e.problem }),
          OAuthStatesUnavailable: (e) => refuse(503, "Unavailable", e.message, { retry_after_s: 2 }),
          OAuthClientMissing: (e) => refuse(409, "OAuthClientMissing", e.message),
          SecretStoreUnavailable: storeRefusal,
          SecretUndecryptable: (e) => undecryptable(e.owner, e.name),
          OAuthRefused: (e) => refuse(502, "OAuthRefused", e.message, { error: e.error }),
          OAuthTokenEndpointFailed: (e) => refuse(502, "OAuthTokenEndpointFailed", e.message),
          RefreshTokenMissing: (e) => refuse(502, "RefreshTokenMissing", e.message),
          ScopeNotGranted: (e) => refuse(400, "ScopeNotGranted", e.message)
        })
      )

    yield* router.add("GET", "/oauth/gmail/start", start)
    yield* router.add("GET", GmailOAuth.CALLBACK_PATH, callback)
  })
).pipe(Layer.provide(NodeHttpClient.layerUndici))
