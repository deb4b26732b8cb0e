/**
 * The five outbound providers behind the actions (issue 10), each either configured (one attempt at its
 * API, no retries: the Actions use case retries within its budget) or not (the variables it lacks).
 * Failures are split by what the caller may do: a provider that refused the call (4xx) against one
 * that may accept it later (408/429/5xx, or the network failed), with its Retry-After.
 */
import { Context, type Effect, Schema } from "effect"
import type { Connector, Payloads } from "../src/domain/ActionCatalog.js"
import type { Issue } from "../src/domain/Errors.js"

/** What a provider answered for one successful call (ids already masked for the caller). */
export const ActionAnswer = Schema.Union(
  Schema.Struct({ status: Schema.Literal("sent") }),
  Schema.Struct({ status: Schema.Literal("created"), id: Schema.String }),
  Schema.Struct({ status: Schema.Literal("appended"), updated: Schema.Number })
).annotations({ identifier: "ActionAnswer" })
export type ActionAnswer = typeof ActionAnswer.Type

/** A successful attempt: the answer, and the provider's own id of what it made (masked before any log). */
export interface ProviderSuccess {
  readonly answer: ActionAnswer
  readonly externalId: string | null
}

/** The provider refused the call (a 4xx other than 408/429); retrying the same call will not help. */
export class ProviderRejected extends Schema.TaggedError<ProviderRejected>()("ProviderRejected", {
  connector: Schema.String,
  status: Schema.Number,
  /** The provider's own error code (Notion `code`, Google `status`, Resend `name`, Slack's text), bounded. */
  code: Schema.String
}) {}

/** The provider may accept the call later: 408, 429, 5xx, or the network failed (status null). */
export class ProviderRetryable extends Schema.TaggedError<ProviderRetryable>()("ProviderRetryable", {
  connector: Schema.String,
  status: Schema.NullOr(Schema.Number),
  code: Schema.String,
  /** How long the provider asked us to wait (Retry-After, Telegram's retry_after), if it said. */
  retry_after_ms: Schema.NullOr(Schema.Number)
}) {}

export type ProviderFailure = ProviderRejected | ProviderRetryable

export interface AttemptOptions {
  /** Sent where the provider supports one (Resend's Idempotency-Key); stable across retries of one call. */
  readonly idempotencyKey: string
}

export type ProviderSlot<P> =
  | {
    readonly _tag: "Configured"
    /** Problems with a valid body that only this provider's settings reveal (no default chat…), as 400 issues. */
    readonly precheck: (payload: P) => ReadonlyArray<Issue>
    /** One attempt at the provider's API. */
    readonly attempt: (payload: P, options: AttemptOptions) => Effect.Effect<ProviderSuccess, ProviderFailure>
  }
  | { readonly _tag: "NotConfigured"; readonly missing: ReadonlyArray<string> }

export interface ActionProvidersService {
  readonly slack: ProviderSlot<Payloads["slack.send"]>
  readonly notion: ProviderSlot<Payloads["notion.create"]>
  readonly sheets: ProviderSlot<Payloads["sheets.append"]>
  readonly telegram: ProviderSlot<Payloads["telegram.send"]>
  readonly email: ProviderSlot<Payloads["email.send"]>
}

/** Every connector has a slot. */
export type ProviderSlots = { readonly [C in Connector]: ActionProvidersService[C] }

export class ActionProviders extends Context.Tag("switchboard/ActionProviders")<ActionProviders, ActionProvidersService>() {}
