/**
 * notion.create through Notion's `POST /v1/pages` (Authorization: Bearer NOTION_API_KEY, Notion-Version),
 * the page's parent being the database: `{parent: {database_id}, properties}`. Answers the page object
 * (its `id` is masked for the caller); errors are `{object: "error", status, code, message}`, 429 with
 * Retry-After. Only `code` is kept: Notion's messages name the caller's properties.
 */
import { type HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Redacted } from "effect"
import type { NotionCreate } from "../../src/domain/ActionCatalog.js"
import { mask } from "../../src/actions/Mask.js"
import type { AttemptOptions, ProviderFailure, ProviderSuccess } from "../../services/ActionProviders.js"
import * as ProviderHttp from "./ProviderHttp.js"

export { NOTION_DEFAULT_BASE_URL as DEFAULT_BASE_URL, NOTION_DEFAULT_VERSION as DEFAULT_VERSION } from "../../src/actions/ProviderSettings.js"

export interface Options {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly version: string
}

export const make = (client: HttpClient.HttpClient, options: Options) =>
(payload: NotionCreate, _options: AttemptOptions): Effect.Effect<ProviderSuccess, ProviderFailure> =>
  ProviderHttp.exchange(
    client,
    "notion",
    HttpClientRequest.post(`${options.baseUrl}/v1/pages`).pipe(
      HttpClientRequest.bearerToken(Redacted.value(options.apiKey)),
      HttpClientRequest.setHeader("notion-version", options.version),
      HttpClientRequest.bodyUnsafeJson({ parent: { database_id: payload.database_id }, properties: payload.props })
    )
  ).pipe(
    Effect.flatMap((reply) =>
      ProviderHttp.settle(
        "notion",
        reply,
        (json) => {
          const id = ProviderHttp.fieldOf(json, "id")
          return ProviderHttp.fieldOf(json, "object") === "page" && typeof id === "string"
            ? ({ answer: { status: "created", id: mask(id) }, externalId: id } satisfies ProviderSuccess)
            : undefined
        },
        (json) => ProviderHttp.safeCode(ProviderHttp.fieldOf(json, "code"))
      )
    )
  )
