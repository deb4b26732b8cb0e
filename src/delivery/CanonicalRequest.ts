/**
 * The JSON body an HTTP target receives: the request context and the envelope fields as stored,
 * attachments as references. It follows the Standard Webhooks payload shape `{type, timestamp, data}`.
 * The body is a function of the stored row, so every attempt and every replay sends the same bytes.
 */
import type { InboxRecord } from "../../services/InboxStore.js"

export const EVENT_TYPE = "switchboard.request.v1"

const iso = (value: Date | string): string => (typeof value === "string" ? new Date(value).toISOString() : value.toISOString())

export const build = (request: InboxRecord, target: string, webhookId: string) => ({
  type: EVENT_TYPE,
  timestamp: iso(request.received_at),
  data: {
    request_context: {
      request_id: request.request_id,
      received_at: iso(request.received_at),
      dedupe_key: request.dedupe_key,
      target,
      webhook_id: webhookId
    },
    source: {
      channel: request.source_channel,
      provider: request.source_provider,
      endpoint_identity: request.source_endpoint_identity
    },
    event: {
      external_event_id: request.external_event_id,
      external_thread_id: request.external_thread_id,
      observed_at: iso(request.observed_at)
    },
    sender: { identity: request.sender_identity },
    payload: {
      raw: request.raw,
      normalized_text: request.normalized_text,
      attachments: request.attachments
    },
    control: {
      trace_context: request.trace_context,
      policy_tier: request.policy_tier,
      ingestion_tier: request.ingestion_tier
    }
  }
})

export const encode = (request: InboxRecord, target: string, webhookId: string): string =>
  JSON.stringify(build(request, target, webhookId))
