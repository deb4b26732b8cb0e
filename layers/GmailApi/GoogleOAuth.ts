/**
 * Access tokens for the Gmail client from Google's token endpoint (`grant_type=refresh_token`). The
 * token is kept with its expiry (Clock) and refreshed when less than 60 s are left; callers that need
 * a token while a refresh runs wait for that one refresh (single flight). Credentials are read from
 * `GmailCredentials` on every refresh, so a re-authorisation is picked up without a restart.
 * Refused credentials (`invalid_grant`, `invalid_client`, none stored) are `GmailAuthFailed`; a token
 * endpoint that is down or slow is a transient `GmailApiError` / `GmailHttpError`.
 */
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Clock, Duration, Effect, Either, Option, Redacted, Ref, Schema, SynchronizedRef } from "effect"
import {
  type GmailApiCounters,
  GmailApiError,
  GmailAuthFailed,
  type GmailError,
  GmailHttpError
} from "../../services/GmailApi.js"
import { GmailCredentials, type OAuthCredentials } from "../../services/GmailCredentials.js"
import { decodeBody, parseJson, retryAfterOf, scrubber, timeoutError, transportError } from "./GoogleResponses.js"

const METHOD = "oauth.token"
/** Refresh when less than this is left of the token's life (or half its life, when that is shorter). */
export const REFRESH_MARGIN = Duration.seconds(60)

/** The token endpoint's success body. */
const TokenResponse = Schema.Struct({
  access_token: Schema.NonEmptyString,
  expires_in: Schema.Number.pipe(Schema.positive()),
  token_type: Schema.optional(Schema.String),
  scope: Schema.optional(Schema.String)
})

/** RFC 6749 §5.2 error body. */
const OAuthErrorBody = Schema.Struct({ error: Schema.String, error_description: Schema.optional(Schema.String) })
const decodeOAuthError = Schema.decodeUnknownOption(OAuthErrorBody)

/** Errors that mean the credentials themselves are refused: re-authorise. */
const REFUSED = new Set(["invalid_grant", "invalid_client", "unauthorized_client"])

interface Held {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: number
  readonly margin: number
}

export interface AccessTokens {
  /** A token with more than the margin left, refreshing first when needed. */
  readonly get: Effect.Effect<Redacted.Redacted<string>, GmailError>
  /** After Gmail refused `used` (401): a newer token, refreshing unless another caller already did. */
  readonly renew: (used: Redacted.Redacted<string>) => Effect.Effect<Redacted.Redacted<string>, GmailError>
  /** Every secret this module has seen, for scrubbing error details. */
  readonly secrets: () => ReadonlyArray<Redacted.Redacted<string>>
}

export interface Options {
  readonly tokenUrl: string
  readonly requestTimeout: Duration.DurationInput
  readonly counters: Ref.Ref<GmailApiCounters>
}

export const make = (options: Options) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const credentials = yield* GmailCredentials
    const state = yield* SynchronizedRef.make(Option.none<Held>())
    // the current credentials and access token, kept only to scrub them from error details
    let seen: ReadonlyArray<Redacted.Redacted<string>> = []
    const secrets = () => seen
    const scrub = scrubber(secrets)
    const count = (key: keyof GmailApiCounters) =>
      Ref.update(options.counters, (c) => ({ ...c, [key]: c[key] + 1 }))

    const refused = (reason: string, detail: string): Effect.Effect<never, GmailAuthFailed> =>
      count("oauth_refresh_failures").pipe(
        Effect.zipRight(Effect.logWarning("Gmail OAuth refresh refused; re-authorise the mailbox").pipe(
          Effect.annotateLogs({ reason })
        )),
        Effect.zipRight(Effect.fail(new GmailAuthFailed({ reason, detail: scrub(detail) })))
      )

    const readCredentials = credentials.get.pipe(
      Effect.catchTags({
        CredentialsMissing: (e) => refused("no_credentials", e.message),
        CredentialsUnavailable: (e) =>
          Effect.fail(new GmailHttpError({ method: METHOD, reason: "Transport", detail: scrub(`credentials unavailable: ${e.message}`) }))
      })
    )

    const failure = (
      response: HttpClientResponse.HttpClientResponse,
      text: string,
      now: number
    ): Effect.Effect<never, GmailAuthFailed | GmailApiError> => {
      const body = decodeOAuthError(parseJson(text))
      const reason = Option.getOrUndefined(Option.map(body, (b) => b.error))
      const description = Option.match(body, {
        onNone: () => `HTTP ${response.status} without an OAuth error body`,
        onSome: (b) => b.error_description ?? b.error
      })
      if (reason !== undefined && REFUSED.has(reason) && response.status < 500) return refused(reason, description)
      const retryAfter = response.status === 429 || response.status === 503 ? retryAfterOf(response, now) : undefined
      return (response.status === 429 ? count("rate_limited") : Effect.void).pipe(
        Effect.zipRight(Effect.fail(
          new GmailApiError({
            method: METHOD,
            status: response.status,
            ...(reason === undefined ? {} : { reason: scrub(reason) }),
            detail: scrub(description),
            ...(retryAfter === undefined ? {} : { retryAfter })
          })
        ))
      )
    }

    const exchange = (creds: OAuthCredentials): Effect.Effect<Held, GmailError> =>
      client.execute(
        HttpClientRequest.post(options.tokenUrl).pipe(
          HttpClientRequest.acceptJson,
          HttpClientRequest.bodyUrlParams({
            grant_type: "refresh_token",
            client_id: creds.clientId,
            client_secret: Redacted.value(creds.clientSecret),
            refresh_token: Redacted.value(creds.refreshToken)
          })
        )
      ).pipe(
        Effect.flatMap((response) =>
          Effect.flatMap(Effect.zip(response.text, Clock.currentTimeMillis), ([text, now]): Effect.Effect<Held, GmailError> =>
            response.status >= 200 && response.status < 300
              ? decodeBody(METHOD, TokenResponse, text).pipe(
                // a Decode error here names paths only, so the token in a malformed answer stays out of it
                Effect.map((ok): Held => {
                  const life = ok.expires_in * 1000
                  return { token: Redacted.make(ok.access_token), expiresAt: now + life, margin: Math.min(Duration.toMillis(REFRESH_MARGIN), life / 2) }
                })
              )
              : failure(response, text, now)
          )
        ),
        Effect.catchTags({
          RequestError: (e) => Effect.fail(transportError(METHOD, scrub)(e)),
          ResponseError: (e) => Effect.fail(transportError(METHOD, scrub)(e))
        }),
        Effect.timeoutFail({ duration: options.requestTimeout, onTimeout: timeoutError(METHOD, options.requestTimeout) })
      )

    const refresh: Effect.Effect<Held, GmailError> = Effect.gen(function*() {
      const creds = yield* readCredentials
      seen = [...seen.slice(-1), creds.clientSecret, creds.refreshToken]
      const held = yield* exchange(creds)
      seen = [creds.clientSecret, creds.refreshToken, held.token]
      yield* count("oauth_refreshes")
      const now = yield* Clock.currentTimeMillis
      yield* Effect.logDebug("Gmail access token refreshed").pipe(
        Effect.annotateLogs({ expires_in_s: Math.round((held.expiresAt - now) / 1000) })
      )
      return held
    })

    /** Runs under the ref's lock: concurrent callers queue behind one refresh and then reuse its token. */
    const obtain = (keep: (held: Held, now: number) => boolean): Effect.Effect<Redacted.Redacted<string>, GmailError> =>
      SynchronizedRef.modifyEffect(
        state,
        (current): Effect.Effect<readonly [Either.Either<Redacted.Redacted<string>, GmailError>, Option.Option<Held>]> =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Option.isSome(current) && keep(current.value, now)
              ? Effect.succeed([Either.right(current.value.token), current] as const)
              // a failed refresh forgets the old token, so the next caller refreshes again
              : Effect.map(Effect.either(refresh), (result) => [Either.map(result, (h) => h.token), Either.getRight(result)] as const))
      ).pipe(Effect.flatMap((result) => result))

    const fresh = (held: Held, now: number) => held.expiresAt - now > held.margin

    return {
      get: obtain(fresh),
      renew: (used) => obtain((held, now) => held.token !== used && fresh(held, now)),
      secrets
    } satisfies AccessTokens
  })
