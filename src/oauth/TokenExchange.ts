/**
 * The authorization-code grant at Google's token endpoint (form-encoded, with the PKCE verifier). Only
 * the refresh token and the granted scope are kept from the answer; the access token is dropped. No
 * part of a request or an answer is ever logged: failures name Google's error code and a bounded text.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Option, Redacted, Schema } from "effect"
import {
  describeText,
  errorCode,
  OAuthRefused,
  OAuthTokenEndpointFailed,
  RefreshTokenMissing,
  refreshTokenMissingMessage,
  SCOPE,
  ScopeNotGranted
} from "./GmailOAuth.js"

const TIMEOUT = Duration.seconds(15)
const MAX_ANSWER_BYTES = 64 * 1024

const TokenAnswer = Schema.Struct({
  access_token: Schema.String,
  refresh_token: Schema.optional(Schema.String),
  scope: Schema.optional(Schema.String),
  expires_in: Schema.optional(Schema.Number),
  token_type: Schema.optional(Schema.String)
})
const ErrorAnswer = Schema.Struct({ error: Schema.String, error_description: Schema.optional(Schema.String) })
const decodeToken = Schema.decodeUnknownOption(Schema.parseJson(TokenAnswer))
const decodeError = Schema.decodeUnknownOption(Schema.parseJson(ErrorAnswer))

export interface CodeGrant {
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly code: Redacted.Redacted<string>
  readonly verifier: Redacted.Redacted<string>
  readonly redirectUri: string
  /** The mailbox, for messages. */
  readonly endpoint: string
}

const failed = (message: string) => new OAuthTokenEndpointFailed({ message })

/** Exchanges the code; answers the refresh token (Redacted) once Google granted gmail.readonly with offline access. */
export const exchangeCode = (grant: CodeGrant) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const request = HttpClientRequest.post(grant.tokenUrl).pipe(
      HttpClientRequest.acceptJson,
      HttpClientRequest.bodyUrlParams({
        grant_type: "authorization_code",
        code: Redacted.value(grant.code),
        code_verifier: Redacted.value(grant.verifier),
        redirect_uri: grant.redirectUri,
        client_id: grant.clientId,
        client_secret: Redacted.value(grant.clientSecret)
      })
    )
    const response = yield* client.execute(request).pipe(
      Effect.timeoutFail({ duration: TIMEOUT, onTimeout: () => failed(`the token endpoint did not answer within ${Duration.format(TIMEOUT)}`) }),
      Effect.catchTag("RequestError", (e) => Effect.fail(failed(`the token endpoint could not be reached (${e.reason})`)))
    )
    const text = yield* response.text.pipe(
      Effect.catchTag("ResponseError", () => Effect.fail(failed(`the token endpoint's answer (HTTP ${response.status}) could not be read`)))
    )
    if (Buffer.byteLength(text) > MAX_ANSWER_BYTES) return yield* failed(`the token endpoint answered more than ${MAX_ANSWER_BYTES} bytes`)
    if (response.status !== 200) {
      const error = decodeError(text)
      if (Option.isSome(error) && response.status < 500) {
        const code = errorCode(error.value.error)
        const hint = code === "invalid_grant"
          ? " (the code was used already, expired, or was issued for another redirect URI; start the consent again)"
          : code === "invalid_client"
          ? " (check the OAuth client id and secret)"
          : ""
        return yield* new OAuthRefused({
          error: code,
          message: `Google's token endpoint refused the code: ${code}${
            error.value.error_description === undefined ? "" : ` (${describeText(error.value.error_description)})`
          }${hint}`
        })
      }
      return yield* failed(`the token endpoint answered HTTP ${response.status}`)
    }
    const answer = decodeToken(text)
    if (Option.isNone(answer)) return yield* failed("the token endpoint answered 200 without an OAuth token answer")
    const { refresh_token, scope } = answer.value
    if (scope !== undefined && !scope.split(" ").includes(SCOPE)) {
      return yield* new ScopeNotGranted({
        message: `the consent for ${grant.endpoint} did not grant ${SCOPE}; start again and allow reading the mail`
      })
    }
    if (refresh_token === undefined || refresh_token === "") {
      return yield* new RefreshTokenMissing({ message: refreshTokenMissingMessage(grant.endpoint) })
    }
    return Redacted.make(refresh_token)
  }).pipe(Effect.withSpan("GmailOAuth.exchangeCode"))
