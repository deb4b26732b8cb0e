/**
 * slack.send through a Slack incoming webhook: `POST SLACK_WEBHOOK_URL {text, channel?}`, answered
 * `200 ok` (text/plain); errors are plain-text codes (`invalid_payload`, `no_service`,
 * `channel_not_found`…), 429 with Retry-After. The URL is the secret: it never leaves this module.
 */
import { type HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Redacted } from "effect"
import type { SlackSend } from "../../src/domain/ActionCatalog.js"
import type { AttemptOptions, ProviderFailure, ProviderSuccess } from "../../services/ActionProviders.js"
import * as ProviderHttp from "./ProviderHttp.js"

export const make = (client: HttpClient.HttpClient, webhookUrl: Redacted.Redacted<string>) =>
(payload: SlackSend, _options: AttemptOptions): Effect.Effect<ProviderSuccess, ProviderFailure> =>
  ProviderHttp.exchange(
    client,
    "slack",
    HttpClientRequest.post(Redacted.value(webhookUrl)).pipe(
      HttpClientRequest.bodyUnsafeJson({ text: payload.text, ...(payload.channel === undefined ? {} : { channel: payload.channel }) })
    )
  ).pipe(
    Effect.flatMap((reply) =>
      ProviderHttp.settle(
        "slack",
        reply,
        () => (reply.text.trim() === "ok" ? ({ answer: { status: "sent" }, externalId: null } satisfies ProviderSuccess) : undefined),
        (_, text) => ProviderHttp.safeCode(text)
      )
    )
  )
