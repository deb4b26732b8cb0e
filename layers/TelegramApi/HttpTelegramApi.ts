/**
 * TelegramApi over @effect/platform's HttpClient. The bot token is part of every URL
 * (`/bot<token>/<method>`), so URLs never reach a log, an error or a span: tracing is off for this
 * client and every error detail is scrubbed of the token.
 */
import { HttpClient, type HttpClientError, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Config, Duration, Effect, Layer, Option, Redacted, Schema, Stream } from "effect"
import {
  ApiFailureBody,
  apiSuccessBody,
  BotUser,
  TelegramApi,
  TelegramApiError,
  type TelegramError,
  TelegramFile,
  TelegramFileTooLarge,
  TelegramHttpError,
  Update,
  WebhookInfo
} from "../../services/TelegramApi.js"
import { TelegramTokenConfig } from "../../services/ConnectorConfig.js"

export interface Options {
  /** e.g. https://api.telegram.org (TELEGRAM_API_BASE_URL) */
  readonly baseUrl: string
  /** BUTLER_TELEGRAM_TOKEN */
  readonly token: Redacted.Redacted<string>
  /** Timeout of a call that is not a long poll or a download. */
  readonly requestTimeout: Duration.DurationInput
  /** Timeout of one file download. */
  readonly downloadTimeout: Duration.DurationInput
}

export const DEFAULT_BASE_URL = "https://api.telegram.org"

export const OptionsFromEnv: Config.Config<Options> = Config.all({
  baseUrl: Config.string("TELEGRAM_API_BASE_URL").pipe(
    Config.withDefault(DEFAULT_BASE_URL),
    Config.map((u) => u.replace(/\/+$/, ""))
  ),
  // not Config.redacted: its "missing" error would read "<redacted>" instead of naming the variable
  token: TelegramTokenConfig,
  requestTimeout: Config.succeed(Duration.seconds(30)),
  downloadTimeout: Config.succeed(Duration.seconds(120))
})

const retryAfterHeader = (response: HttpClientResponse.HttpClientResponse): number | undefined => {
  const value = Number(response.headers["retry-after"])
  return Number.isFinite(value) && value >= 0 ? value : undefined
}

const decodeFailure = Schema.decodeUnknownOption(ApiFailureBody)

/** The innermost useful message of a transport failure (undici nests the socket error). */
const causeMessage = (cause: unknown): string | undefined =>
  cause instanceof Error
    ? (cause.cause instanceof Error ? `${cause.message} (${cause.cause.message})` : cause.message)
    : undefined

export const make = (options: Options) =>
  Effect.gen(function*() {
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerDisabledWhen(() => true))
    const token = Redacted.value(options.token)
    const scrub = (text: string) => token === "" ? text : text.split(token).join("<token>")
    const apiUrl = (method: string) => `${options.baseUrl}/bot${token}/${method}`

    const httpError = (method: string) => (error: HttpClientError.HttpClientError) =>
      new TelegramHttpError({
        method,
        reason: "Transport",
        detail: scrub(
          [error.reason, error.description, causeMessage(error.cause)].filter((s) => s !== undefined && s !== "")
            .join(": ")
        )
      })

    const timeoutError = (method: string, after: Duration.DurationInput) => () =>
      new TelegramHttpError({ method, reason: "Timeout", detail: `no answer within ${Duration.format(after)}` })

    /** A non-2xx answer or `ok: false`: Telegram's own error, with retry_after from the body or the header. */
    const apiError = (method: string, response: HttpClientResponse.HttpClientResponse, body: unknown) => {
      const { description, error_code, retry_after } = Option.match(decodeFailure(body), {
        onNone: () => ({
          error_code: response.status,
          description: `HTTP ${response.status} without a Bot API error body`,
          retry_after: retryAfterHeader(response)
        }),
        onSome: (failure) => ({
          error_code: failure.error_code,
          description: scrub(failure.description),
          retry_after: failure.parameters?.retry_after ?? retryAfterHeader(response)
        })
      })
      return new TelegramApiError({
        method,
        error_code,
        description,
        ...(retry_after === undefined ? {} : { retry_after })
      })
    }

    const call = <A, I>(
      method: string,
      result: Schema.Schema<A, I>,
      body: Record<string, unknown>,
      timeout: Duration.DurationInput = options.requestTimeout
    ) => {
      const decodeSuccess = Schema.decodeUnknown(apiSuccessBody(result))
      return client.execute(HttpClientRequest.post(apiUrl(method)).pipe(HttpClientRequest.bodyUnsafeJson(body))).pipe(
        Effect.flatMap((response) =>
          response.json.pipe(
            Effect.orElseSucceed((): unknown => null),
            Effect.flatMap((json): Effect.Effect<A, TelegramError> =>
              response.status >= 200 && response.status < 300 && decodeFailure(json)._tag === "None"
                ? decodeSuccess(json).pipe(
                  Effect.map((ok) => ok.result),
                  Effect.mapError((e) =>
                    new TelegramHttpError({ method, reason: "Decode", detail: scrub(e.message).slice(0, 500) })
                  )
                )
                : Effect.fail(apiError(method, response, json))
            )
          )
        ),
        Effect.catchTag("RequestError", (e) => Effect.fail(httpError(method)(e))),
        Effect.catchTag("ResponseError", (e) => Effect.fail(httpError(method)(e))),
        Effect.timeoutFail({ duration: timeout, onTimeout: timeoutError(method, timeout) })
      )
    }

    const downloadFile = (filePath: string, maxBytes: number) =>
      client.get(`${options.baseUrl}/file/bot${token}/${filePath.split("/").map(encodeURIComponent).join("/")}`).pipe(
        Effect.flatMap((response): Effect.Effect<
          Uint8Array,
          TelegramApiError | TelegramFileTooLarge | HttpClientError.ResponseError
        > => {
          if (response.status < 200 || response.status >= 300) {
            return response.json.pipe(
              Effect.orElseSucceed((): unknown => null),
              Effect.flatMap((json) => Effect.fail(apiError("downloadFile", response, json)))
            )
          }
          const declared = Number(response.headers["content-length"])
          if (Number.isFinite(declared) && declared > maxBytes) {
            return Effect.fail(new TelegramFileTooLarge({ size_bytes: declared, limit_bytes: maxBytes }))
          }
          const chunks: Array<Uint8Array> = []
          const collect = (size: number, chunk: Uint8Array): Effect.Effect<number, TelegramFileTooLarge> => {
            const total = size + chunk.length
            if (total > maxBytes) return Effect.fail(new TelegramFileTooLarge({ size_bytes: total, limit_bytes: maxBytes }))
            chunks.push(chunk)
            return Effect.succeed(total)
          }
          return Stream.runFoldEffect(response.stream, 0, collect).pipe(
            Effect.map(() => new Uint8Array(Buffer.concat(chunks)))
          )
        }),
        Effect.catchTag("RequestError", (e) => Effect.fail(httpError("downloadFile")(e))),
        Effect.catchTag("ResponseError", (e) => Effect.fail(httpError("downloadFile")(e))),
        Effect.timeoutFail({
          duration: options.downloadTimeout,
          onTimeout: timeoutError("downloadFile", options.downloadTimeout)
        })
      )

    return TelegramApi.of({
      getMe: call("getMe", BotUser, {}),
      getUpdates: (params) =>
        call(
          "getUpdates",
          Schema.Array(Update),
          {
            ...(params.offset === undefined ? {} : { offset: params.offset }),
            limit: params.limit,
            timeout: params.timeout,
            allowed_updates: params.allowed_updates
          },
          Duration.sum(Duration.seconds(params.timeout), Duration.seconds(15))
        ),
      getFile: (fileId) => call("getFile", TelegramFile, { file_id: fileId }),
      downloadFile,
      setWebhook: (params) =>
        call("setWebhook", Schema.Boolean, {
          url: params.url,
          secret_token: Redacted.value(params.secret_token),
          allowed_updates: params.allowed_updates,
          ...(params.drop_pending_updates === undefined ? {} : { drop_pending_updates: params.drop_pending_updates }),
          ...(params.max_connections === undefined ? {} : { max_connections: params.max_connections })
        }),
      deleteWebhook: ({ drop_pending_updates }) => call("deleteWebhook", Schema.Boolean, { drop_pending_updates }),
      getWebhookInfo: call("getWebhookInfo", WebhookInfo, {})
    })
  })

/** The client from explicit options (needs an HttpClient). */
export const layer = (options: Options) => Layer.effect(TelegramApi, make(options))

/** The client from TELEGRAM_API_BASE_URL and BUTLER_TELEGRAM_TOKEN (needs an HttpClient). */
export const layerConfig = Layer.effect(TelegramApi, Effect.flatMap(OptionsFromEnv, make))
