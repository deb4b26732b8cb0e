/**
 * sheets.append through `POST /v4/spreadsheets/{id}/values/{range}:append` (valueInputOption=USER_ENTERED,
 * insertDataOption=INSERT_ROWS) with a service-account access token. Answers `{updates: {updatedCells…}}`;
 * errors are `{error: {code, message, status}}` (only `status`, e.g. PERMISSION_DENIED, is kept).
 * A 401 drops the cached token, so the next call signs in again.
 */
import { type HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Redacted } from "effect"
import type { SheetsAppend } from "../../src/domain/ActionCatalog.js"
import type { AttemptOptions, ProviderFailure, ProviderSuccess } from "../../services/ActionProviders.js"
import * as ProviderHttp from "./ProviderHttp.js"

export { SHEETS_DEFAULT_BASE_URL as DEFAULT_BASE_URL } from "../../src/actions/ProviderSettings.js"

export interface Options {
  readonly baseUrl: string
  readonly spreadsheetId: string
}

export interface Tokens {
  readonly accessToken: Effect.Effect<Redacted.Redacted<string>, ProviderFailure>
  readonly invalidate: Effect.Effect<void>
}

export const make = (client: HttpClient.HttpClient, options: Options, tokens: Tokens) =>
(payload: SheetsAppend, _options: AttemptOptions): Effect.Effect<ProviderSuccess, ProviderFailure> =>
  Effect.gen(function*() {
    const token = yield* tokens.accessToken
    const url = `${options.baseUrl}/v4/spreadsheets/${encodeURIComponent(options.spreadsheetId)}/values/${
      encodeURIComponent(payload.range)
    }:append`
    const reply = yield* ProviderHttp.exchange(
      client,
      "sheets",
      HttpClientRequest.post(url).pipe(
        HttpClientRequest.setUrlParams({ valueInputOption: "USER_ENTERED", insertDataOption: "INSERT_ROWS" }),
        HttpClientRequest.bearerToken(Redacted.value(token)),
        HttpClientRequest.bodyUnsafeJson({ range: payload.range, majorDimension: "ROWS", values: payload.values })
      )
    )
    if (reply.status === 401) yield* tokens.invalidate
    return yield* ProviderHttp.settle(
      "sheets",
      reply,
      (json) => {
        const cells = ProviderHttp.fieldOf(ProviderHttp.fieldOf(json, "updates"), "updatedCells")
        return typeof cells === "number"
          ? ({ answer: { status: "appended", updated: cells }, externalId: null } satisfies ProviderSuccess)
          : undefined
      },
      (json) => ProviderHttp.safeCode(ProviderHttp.fieldOf(ProviderHttp.fieldOf(json, "error"), "status"))
    )
  })
