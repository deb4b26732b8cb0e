/**
 * Access tokens for a Google service account (OAuth 2.0 JWT bearer grant): an RS256 JWT signed with
 * `jose` (iss = client_email, scope, aud = the token URL, 1 h lifetime) is exchanged at the token URL
 * for an access token, which is cached until shortly before it expires (concurrent callers share one
 * refresh) and dropped when Sheets answers 401.
 */
import { type HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Data, Effect, Option, Redacted, Schema, SynchronizedRef } from "effect"
import { importPKCS8, SignJWT } from "jose"
import type { ProviderFailure } from "../../services/ActionProviders.js"
import * as ProviderHttp from "./ProviderHttp.js"

export { GOOGLE_DEFAULT_TOKEN_URL as DEFAULT_TOKEN_URL } from "../../src/actions/ProviderSettings.js"
export const SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"

/** The fields of a service-account key file that the grant needs (the file has more). */
export const ServiceAccountKey = Schema.Struct({
  type: Schema.Literal("service_account"),
  client_email: Schema.String,
  private_key: Schema.String,
  private_key_id: Schema.optional(Schema.String)
})
export type ServiceAccountKey = typeof ServiceAccountKey.Type

/** GOOGLE_SERVICE_ACCOUNT_JSON is not a service-account key (as JSON or base64 of it). */
export class ServiceAccountInvalid extends Data.TaggedError("ServiceAccountInvalid")<{ readonly message: string }> {}

const decodeKey = Schema.decodeUnknownEither(Schema.parseJson(ServiceAccountKey))

/** The key from the variable's value: raw JSON, or base64 of it. */
export const parseKey = (value: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const text = Redacted.value(value).trim()
    const json = text.startsWith("{") ? text : Buffer.from(text, "base64").toString("utf8")
    const key = decodeKey(json)
    if (key._tag === "Left") {
      return yield* new ServiceAccountInvalid({
        message: "GOOGLE_SERVICE_ACCOUNT_JSON must be a service-account key file (JSON, or base64 of it) with type, client_email and private_key"
      })
    }
    const privateKey = yield* Effect.tryPromise({
      try: () => importPKCS8(key.right.private_key, "RS256"),
      catch: () => new ServiceAccountInvalid({ message: "GOOGLE_SERVICE_ACCOUNT_JSON: private_key is not an RSA key in PKCS#8 PEM" })
    })
    return { key: key.right, privateKey }
  })

/** The imported private key, as jose returns it. */
export type SigningKey = Awaited<ReturnType<typeof importPKCS8>>

interface Cached {
  readonly token: Redacted.Redacted<string>
  readonly refreshAtMs: number
}

const TokenAnswer = Schema.Struct({ access_token: Schema.String, expires_in: Schema.Number })
const decodeAnswer = Schema.decodeUnknownOption(TokenAnswer)

export const make = (
  client: HttpClient.HttpClient,
  account: { readonly key: ServiceAccountKey; readonly privateKey: SigningKey },
  tokenUrl: string
) =>
  Effect.gen(function*() {
    const cache = yield* SynchronizedRef.make(Option.none<Cached>())

    // Signing with a key that imported at start cannot fail but by a bug: a defect, not an error.
    const assertion = (nowS: number) =>
      Effect.tryPromise(() =>
        new SignJWT({ scope: SHEETS_SCOPE })
          .setProtectedHeader({
            alg: "RS256",
            typ: "JWT",
            ...(account.key.private_key_id === undefined ? {} : { kid: account.key.private_key_id })
          })
          .setIssuer(account.key.client_email)
          .setAudience(tokenUrl)
          .setIssuedAt(nowS)
          .setExpirationTime(nowS + 3600)
          .sign(account.privateKey)
      ).pipe(Effect.orDie)

    const fetchToken = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const jwt = yield* assertion(Math.floor(now / 1000))
      const reply = yield* ProviderHttp.exchange(
        client,
        "sheets",
        HttpClientRequest.post(tokenUrl).pipe(
          HttpClientRequest.bodyUrlParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: jwt })
        )
      )
      const answer = yield* ProviderHttp.settle(
        "sheets",
        reply,
        (json) => Option.getOrUndefined(decodeAnswer(json)),
        (json) => `oauth_${ProviderHttp.safeCode(ProviderHttp.fieldOf(json, "error"))}`
      )
      const lifetimeMs = Math.max(0, answer.expires_in * 1000)
      // Refresh a minute early (half the lifetime for short ones), so a token never expires mid-call.
      return { token: Redacted.make(answer.access_token), refreshAtMs: now + lifetimeMs - Math.min(60_000, lifetimeMs / 2) }
    })

    /** A valid access token: the cached one, or a fresh one (one refresh at a time). */
    const accessToken: Effect.Effect<Redacted.Redacted<string>, ProviderFailure> = SynchronizedRef.modifyEffect(
      cache,
      (current) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Option.isSome(current) && now < current.value.refreshAtMs
            ? Effect.succeed([current.value.token, current] as const)
            : Effect.map(fetchToken, (fresh) => [fresh.token, Option.some(fresh)] as const))
    )

    /** Forget the cached token (Sheets refused it). */
    const invalidate = SynchronizedRef.set(cache, Option.none())

    return { accessToken, invalidate }
  })
