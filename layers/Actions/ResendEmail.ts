/**
 * email.send through Resend's `POST /emails` (Authorization: Bearer RESEND_API_KEY) from RESEND_FROM,
 * with an `Idempotency-Key` that is the same for every retry of one call (derived from the caller's key
 * when it sent one), so a retried send is never a second email. Answers `{id}`; errors are
 * `{statusCode, message, name}`, 429 with Retry-After. Only `name` is kept: messages quote addresses.
 */
import { type HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Redacted } from "effect"
import type { EmailSend } from "../../src/domain/ActionCatalog.js"
import type { AttemptOptions, ProviderFailure, ProviderSuccess } from "../../services/ActionProviders.js"
import * as ProviderHttp from "./ProviderHttp.js"

export { RESEND_DEFAULT_BASE_URL as DEFAULT_BASE_URL } from "../../src/actions/ProviderSettings.js"

export interface Options {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly from: string
}

export const make = (client: HttpClient.HttpClient, options: Options) =>
(payload: EmailSend, attempt: AttemptOptions): Effect.Effect<ProviderSuccess, ProviderFailure> =>
  ProviderHttp.exchange(
    client,
    "email",
    HttpClientRequest.post(`${options.baseUrl}/emails`).pipe(
      HttpClientRequest.bearerToken(Redacted.value(options.apiKey)),
      HttpClientRequest.setHeader("idempotency-key", attempt.idempotencyKey),
      HttpClientRequest.bodyUnsafeJson({ from: options.from, to: [payload.to], subject: payload.subject, text: payload.text })
    )
  ).pipe(
    Effect.flatMap((reply) =>
      ProviderHttp.settle(
        "email",
        reply,
        (json) => {
          const id = ProviderHttp.fieldOf(json, "id")
          return typeof id === "string" ? ({ answer: { status: "sent" }, externalId: id } satisfies ProviderSuccess) : undefined
        },
        (json) => ProviderHttp.safeCode(ProviderHttp.fieldOf(json, "name"))
      )
    )
  )
