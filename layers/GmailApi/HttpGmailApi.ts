/**
 * GmailApi over @effect/platform's HttpClient, on `<GMAIL_API_BASE_URL>/gmail/v1/users/me/...`. Every
 * answer is Schema-decoded (a body that does not decode is `GmailHttpError` Decode, never a defect);
 * non-2xx answers are `GmailApiError` with Google's reason, a bounded detail and `Retry-After`. The
 * access token comes from GoogleOAuth: a 401 refreshes it once and retries once, a second 401 is
 * `GmailAuthFailed("unauthorized")`. Ids from answers are checked before they become path segments.
 */
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Clock, Config, ConfigError, Duration, Effect, Either, Layer, Option, Ref, type Redacted, Schema } from "effect"
import {
  AttachmentBody,
  ErrorBody,
  GmailApi,
  GmailApiError,
  type GmailApiCounters,
  GmailAuthFailed,
  type GmailError,
  GmailHttpError,
  HistoryList,
  Message,
  MessageList,
  Profile,
  WatchResponse
} from "../../services/GmailApi.js"
import * as GoogleOAuth from "./GoogleOAuth.js"
import { decodeBody, parseJson, retryAfterOf, scrubber, timeoutError, transportError } from "./GoogleResponses.js"

export interface Options {
  /** e.g. https://gmail.googleapis.com (GMAIL_API_BASE_URL), without a trailing slash. */
  readonly baseUrl: string
  /** e.g. https://oauth2.googleapis.com/token (GOOGLE_OAUTH_TOKEN_URL). */
  readonly tokenUrl: string
  /** Timeout of one HTTP exchange, token refreshes included (GMAIL_API_TIMEOUT_S). */
  readonly requestTimeout: Duration.DurationInput
}

export const DEFAULT_BASE_URL = "https://gmail.googleapis.com"
export const DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"

/** An http(s) URL; a bad one fails at start naming the variable (its value is not echoed). */
export const httpUrlConfig = (name: string, fallback: string) =>
  Config.string(name).pipe(
    Config.withDefault(fallback),
    Config.mapOrFail((raw) => {
      const url = raw.trim().replace(/\/+$/, "")
      return URL.canParse(url) && /^https?:$/.test(new URL(url).protocol)
        ? Either.right(url)
        : Either.left(ConfigError.InvalidData([], `${name} must be an http:// or https:// URL`))
    })
  )

export const OptionsFromEnv: Config.Config<Options> = Config.all({
  baseUrl: httpUrlConfig("GMAIL_API_BASE_URL", DEFAULT_BASE_URL),
  tokenUrl: httpUrlConfig("GOOGLE_OAUTH_TOKEN_URL", DEFAULT_TOKEN_URL),
  requestTimeout: Config.integer("GMAIL_API_TIMEOUT_S").pipe(
    Config.withDefault(30),
    Config.validate({ message: "GMAIL_API_TIMEOUT_S must be between 1 and 600", validation: (s) => s >= 1 && s <= 600 }),
    Config.map(Duration.seconds)
  )
})

/** Gmail message, thread and attachment ids are base64url-ish; anything else is refused, not sent. */
const GMAIL_ID = /^[A-Za-z0-9_-]{1,2048}$/
const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded"])
const decodeError = Schema.decodeUnknownOption(ErrorBody)
const clampResults = (n: number | undefined, max: number) =>
  n === undefined ? [] : [["maxResults", String(Math.min(max, Math.max(1, Math.trunc(n))))] as const]
const optional = (name: string, value: string | undefined) => value === undefined ? [] : [[name, value] as const]

export const make = (options: Options) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const counters = yield* Ref.make<GmailApiCounters>({ oauth_refreshes: 0, oauth_refresh_failures: 0, rate_limited: 0 })
    const tokens = yield* GoogleOAuth.make({ tokenUrl: options.tokenUrl, requestTimeout: options.requestTimeout, counters })
    const scrub = scrubber(tokens.secrets)
    const url = (path: string) => `${options.baseUrl}/gmail/v1/users/me/${path}`

    const apiError = (method: string, response: HttpClientResponse.HttpClientResponse, text: string) =>
      Effect.gen(function*() {
        const body = Option.map(decodeError(parseJson(text)), (b) => b.error)
        const reason = Option.getOrUndefined(Option.flatMap(body, (e) => Option.fromNullable(e.errors?.[0]?.reason ?? e.status)))
        const status = response.status
        if (status === 429 || (status === 403 && reason !== undefined && RATE_LIMIT_REASONS.has(reason))) {
          yield* Ref.update(counters, (c) => ({ ...c, rate_limited: c.rate_limited + 1 }))
        }
        const retryAfter = status === 429 || status === 503 ? retryAfterOf(response, yield* Clock.currentTimeMillis) : undefined
        return new GmailApiError({
          method,
          status,
          ...(reason === undefined ? {} : { reason: scrub(reason) }),
          detail: Option.match(body, { onNone: () => `HTTP ${status} without a Google error body`, onSome: (e) => scrub(e.message) }),
          ...(retryAfter === undefined ? {} : { retryAfter })
        })
      })

    /** One exchange with `token`; 2xx bodies go through `decode`. */
    const attempt = <A>(
      method: string,
      request: HttpClientRequest.HttpClientRequest,
      decode: (text: string) => Effect.Effect<A, GmailHttpError>,
      token: Redacted.Redacted<string>
    ) =>
      client.execute(request.pipe(HttpClientRequest.bearerToken(token), HttpClientRequest.acceptJson)).pipe(
        Effect.flatMap((response) =>
          Effect.flatMap(response.text, (text): Effect.Effect<A, GmailError> =>
            response.status >= 200 && response.status < 300
              ? decode(text)
              : Effect.flatMap(apiError(method, response, text), Effect.fail)
          )
        ),
        Effect.catchTags({
          RequestError: (e) => Effect.fail(transportError(method, scrub)(e)),
          ResponseError: (e) => Effect.fail(transportError(method, scrub)(e))
        }),
        Effect.timeoutFail({ duration: options.requestTimeout, onTimeout: timeoutError(method, options.requestTimeout) })
      )

    const is401 = (e: GmailError): e is GmailApiError => e._tag === "GmailApiError" && e.status === 401

    const call = <A>(
      method: string,
      request: HttpClientRequest.HttpClientRequest,
      decode: (text: string) => Effect.Effect<A, GmailHttpError>
    ): Effect.Effect<A, GmailError> =>
      Effect.flatMap(tokens.get, (first) =>
        attempt(method, request, decode, first).pipe(
          Effect.catchIf(is401, () =>
            Effect.flatMap(tokens.renew(first), (second) =>
              attempt(method, request, decode, second).pipe(
                Effect.catchIf(is401, (e) =>
                  Effect.fail(new GmailAuthFailed({ reason: "unauthorized", detail: `Gmail ${method} answered 401 again with a refreshed access token (${e.detail})` }))
                )
              )))
        )).pipe(Effect.withSpan(`GmailApi.${method}`))

    const json = <A, I>(method: string, schema: Schema.Schema<A, I>) => (text: string) => decodeBody(method, schema, text)

    const segment = (method: string, what: string, id: string) =>
      GMAIL_ID.test(id)
        ? Effect.succeed(encodeURIComponent(id))
        : Effect.fail(new GmailHttpError({
          method,
          reason: "Decode",
          detail: `refused ${what} of ${id.length} characters: Gmail ids only have A-Z a-z 0-9 - _`
        }))

    return GmailApi.of({
      getProfile: call("getProfile", HttpClientRequest.get(url("profile")), json("getProfile", Profile)),
      listHistory: (params) =>
        call(
          "history.list",
          HttpClientRequest.get(url("history")).pipe(HttpClientRequest.setUrlParams([
            ["startHistoryId", params.startHistoryId],
            ...params.historyTypes.map((t) => ["historyTypes", t] as const),
            ...optional("pageToken", params.pageToken),
            ...clampResults(params.maxResults, 500)
          ])),
          json("history.list", HistoryList)
        ),
      getMessage: (id, format) =>
        Effect.flatMap(segment("messages.get", "message id", id), (path) =>
          call(
            "messages.get",
            HttpClientRequest.get(url(`messages/${path}`)).pipe(HttpClientRequest.setUrlParams({ format })),
            json("messages.get", Message)
          )),
      getAttachment: (messageId, attachmentId) =>
        Effect.flatMap(
          Effect.all([
            segment("messages.attachments.get", "message id", messageId),
            segment("messages.attachments.get", "attachment id", attachmentId)
          ]),
          ([m, a]) =>
            call(
              "messages.attachments.get",
              HttpClientRequest.get(url(`messages/${m}/attachments/${a}`)),
              json("messages.attachments.get", AttachmentBody)
            )
        ),
      listMessages: (params) =>
        call(
          "messages.list",
          HttpClientRequest.get(url("messages")).pipe(HttpClientRequest.setUrlParams([
            ...optional("q", params.q),
            ...optional("pageToken", params.pageToken),
            ...clampResults(params.maxResults, 500),
            ...optional("includeSpamTrash", params.includeSpamTrash === undefined ? undefined : String(params.includeSpamTrash))
          ])),
          json("messages.list", MessageList)
        ),
      watch: (params) =>
        call(
          "watch",
          HttpClientRequest.post(url("watch")).pipe(HttpClientRequest.bodyUnsafeJson({
            topicName: params.topicName,
            ...(params.labelIds === undefined ? {} : { labelIds: params.labelIds }),
            ...(params.labelFilterBehavior === undefined
              ? {}
              : { labelFilterBehavior: params.labelFilterBehavior.toUpperCase() })
          })),
          json("watch", WatchResponse)
        ),
      stop: call("stop", HttpClientRequest.post(url("stop")), () => Effect.void),
      counters: Ref.get(counters)
    })
  })

/** The client from explicit options (needs GmailCredentials and an HttpClient). */
export const layer = (options: Options) => Layer.effect(GmailApi, make(options))

/** The client from GMAIL_API_BASE_URL, GOOGLE_OAUTH_TOKEN_URL, GMAIL_API_TIMEOUT_S (needs GmailCredentials and an HttpClient). */
export const layerConfig = Layer.effect(GmailApi, Effect.flatMap(OptionsFromEnv, make))
