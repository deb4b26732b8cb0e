/**
 * The Gmail API client (https://developers.google.com/workspace/gmail/api/reference/rest): only the
 * methods the connector uses, on `users/me`, with answers decoded by these Schemas (the shapes of
 * `../shared/corpus/gmail`). Access tokens are the implementation's business: it refreshes them before
 * expiry and once on a 401, and reports a refused refresh (`invalid_grant`) as `GmailAuthFailed`.
 */
import { Context, type Effect, Schema } from "effect"

/** `users.getProfile`. */
export const Profile = Schema.Struct({
  emailAddress: Schema.String,
  messagesTotal: Schema.optional(Schema.Number),
  threadsTotal: Schema.optional(Schema.Number),
  historyId: Schema.String
}).annotations({ identifier: "GmailProfile" })
export type Profile = typeof Profile.Type

/** A message reference (`messages.list`, history records). */
export const MessageRef = Schema.Struct({
  id: Schema.String,
  threadId: Schema.String,
  labelIds: Schema.optional(Schema.Array(Schema.String))
}).annotations({ identifier: "GmailMessageRef" })
export type MessageRef = typeof MessageRef.Type

const Labelled = Schema.Struct({ message: MessageRef, labelIds: Schema.optional(Schema.Array(Schema.String)) })

/** One history record; with `historyTypes=messageAdded` only `messagesAdded` matters. */
export const HistoryRecord = Schema.Struct({
  id: Schema.String,
  messages: Schema.optional(Schema.Array(MessageRef)),
  messagesAdded: Schema.optional(Schema.Array(Schema.Struct({ message: MessageRef }))),
  messagesDeleted: Schema.optional(Schema.Array(Schema.Struct({ message: MessageRef }))),
  labelsAdded: Schema.optional(Schema.Array(Labelled)),
  labelsRemoved: Schema.optional(Schema.Array(Labelled))
}).annotations({ identifier: "GmailHistoryRecord" })
export type HistoryRecord = typeof HistoryRecord.Type

/** `users.history.list`: `historyId` is the mailbox's current history id. */
export const HistoryList = Schema.Struct({
  history: Schema.optional(Schema.Array(HistoryRecord)),
  nextPageToken: Schema.optional(Schema.String),
  historyId: Schema.String
}).annotations({ identifier: "GmailHistoryList" })
export type HistoryList = typeof HistoryList.Type

/** `users.messages.list`. */
export const MessageList = Schema.Struct({
  messages: Schema.optional(Schema.Array(MessageRef)),
  nextPageToken: Schema.optional(Schema.String),
  resultSizeEstimate: Schema.optional(Schema.Number)
}).annotations({ identifier: "GmailMessageList" })
export type MessageList = typeof MessageList.Type

export const Header = Schema.Struct({ name: Schema.String, value: Schema.String })
export type Header = typeof Header.Type

/** A part's body: `data` is base64url (no padding); an attachment carries `attachmentId` and no `data`. */
export const PartBody = Schema.Struct({
  attachmentId: Schema.optional(Schema.String),
  size: Schema.optional(Schema.Number),
  data: Schema.optional(Schema.String)
})
export type PartBody = typeof PartBody.Type

export interface MessagePart {
  readonly partId?: string | undefined
  readonly mimeType?: string | undefined
  readonly filename?: string | undefined
  readonly headers?: ReadonlyArray<Header> | undefined
  readonly body?: PartBody | undefined
  readonly parts?: ReadonlyArray<MessagePart> | undefined
}

/** The MIME tree of `format=full` (and the headers-only payload of `format=metadata`). */
export const MessagePart: Schema.Schema<MessagePart> = Schema.Struct({
  partId: Schema.optional(Schema.String),
  mimeType: Schema.optional(Schema.String),
  filename: Schema.optional(Schema.String),
  headers: Schema.optional(Schema.Array(Header)),
  body: Schema.optional(PartBody),
  parts: Schema.optional(Schema.Array(Schema.suspend((): Schema.Schema<MessagePart> => MessagePart)))
}).annotations({ identifier: "GmailMessagePart" })

/** `users.messages.get`: `payload` with `format=full`/`metadata`, `raw` (base64url RFC 822) with `format=raw`. */
export const Message = Schema.Struct({
  id: Schema.String,
  threadId: Schema.String,
  labelIds: Schema.optional(Schema.Array(Schema.String)),
  snippet: Schema.optional(Schema.String),
  historyId: Schema.optional(Schema.String),
  /** Milliseconds since the epoch, as a decimal string. */
  internalDate: Schema.optional(Schema.String),
  sizeEstimate: Schema.optional(Schema.Number),
  payload: Schema.optional(MessagePart),
  raw: Schema.optional(Schema.String)
}).annotations({ identifier: "GmailMessage" })
export type Message = typeof Message.Type

/** `users.messages.attachments.get`: `data` is base64url. */
export const AttachmentBody = Schema.Struct({
  attachmentId: Schema.optional(Schema.String),
  size: Schema.Number,
  data: Schema.String
}).annotations({ identifier: "GmailAttachment" })
export type AttachmentBody = typeof AttachmentBody.Type

/** `users.watch`: `expiration` is milliseconds since the epoch, as a decimal string. */
export const WatchResponse = Schema.Struct({
  historyId: Schema.String,
  expiration: Schema.String
}).annotations({ identifier: "GmailWatchResponse" })
export type WatchResponse = typeof WatchResponse.Type

/** Google's error body: `{"error": {"code", "message", "status", "errors": [{reason, …}]}}`. */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: Schema.Number,
    message: Schema.String,
    status: Schema.optional(Schema.String),
    errors: Schema.optional(Schema.Array(Schema.Struct({
      reason: Schema.optional(Schema.String),
      message: Schema.optional(Schema.String),
      domain: Schema.optional(Schema.String)
    })))
  })
}).annotations({ identifier: "GmailErrorBody" })

/** Gmail answered non-2xx: 404 (unknown id, too-old startHistoryId), 429, 5xx, 403, 400… */
export class GmailApiError extends Schema.TaggedError<GmailApiError>()("GmailApiError", {
  method: Schema.String,
  status: Schema.Int,
  /** Google's `error.status` or first `errors[].reason` when given (e.g. "NOT_FOUND", "rateLimitExceeded"). */
  reason: Schema.optional(Schema.String),
  /** Google's `error.message`, cut to a safe length (never a token). */
  detail: Schema.String,
  /** From `Retry-After` (seconds or an HTTP date) on 429/503. */
  retryAfter: Schema.optional(Schema.DurationFromSelf)
}) {
  override get message() {
    return `Gmail ${this.method} answered ${this.status}${this.reason === undefined ? "" : ` ${this.reason}`}: ${this.detail}`
  }
}

/** No usable answer: connection failed, timed out, or the body was not what the API documents. */
export class GmailHttpError extends Schema.TaggedError<GmailHttpError>()("GmailHttpError", {
  method: Schema.String,
  reason: Schema.Literal("Transport", "Timeout", "Decode"),
  detail: Schema.String
}) {
  override get message() {
    return `Gmail ${this.method}: ${this.reason} error: ${this.detail}`
  }
}

/**
 * Credentials refused for good: the token endpoint answered `invalid_grant` (refresh token revoked or
 * expired), `invalid_client`, or a 401 survived a fresh access token. Re-authorise the mailbox.
 */
export class GmailAuthFailed extends Schema.TaggedError<GmailAuthFailed>()("GmailAuthFailed", {
  /** e.g. "invalid_grant", "invalid_client", "unauthorized", "no_credentials". */
  reason: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `Gmail credentials refused (${this.reason}): ${this.detail}; re-authorise the mailbox`
  }
}

export type GmailError = GmailApiError | GmailHttpError | GmailAuthFailed

export interface HistoryParams {
  readonly startHistoryId: string
  readonly pageToken?: string | undefined
  /** Always "messageAdded" here. */
  readonly historyTypes: ReadonlyArray<string>
  readonly maxResults?: number | undefined
}

export interface ListParams {
  /** Gmail search, e.g. `after:1700000000`. */
  readonly q?: string | undefined
  readonly pageToken?: string | undefined
  readonly maxResults?: number | undefined
  readonly includeSpamTrash?: boolean | undefined
}

export interface WatchParams {
  /** `projects/<project>/topics/<topic>`. */
  readonly topicName: string
  readonly labelIds?: ReadonlyArray<string> | undefined
  readonly labelFilterBehavior?: "include" | "exclude" | undefined
}

/** Counters the client keeps (reported in heartbeats and /metrics). */
export interface GmailApiCounters {
  readonly oauth_refreshes: number
  readonly oauth_refresh_failures: number
  readonly rate_limited: number
}

export interface GmailApiService {
  readonly getProfile: Effect.Effect<Profile, GmailError>
  readonly listHistory: (params: HistoryParams) => Effect.Effect<HistoryList, GmailError>
  readonly getMessage: (id: string, format: "full" | "raw" | "metadata") => Effect.Effect<Message, GmailError>
  /** One attachment; `data` is base64url (the caller decodes it and checks its size). */
  readonly getAttachment: (messageId: string, attachmentId: string) => Effect.Effect<AttachmentBody, GmailError>
  readonly listMessages: (params: ListParams) => Effect.Effect<MessageList, GmailError>
  readonly watch: (params: WatchParams) => Effect.Effect<WatchResponse, GmailError>
  readonly stop: Effect.Effect<void, GmailError>
  readonly counters: Effect.Effect<GmailApiCounters>
}

export class GmailApi extends Context.Tag("switchboard/GmailApi")<GmailApi, GmailApiService>() {}
