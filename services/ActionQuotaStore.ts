/**
 * Quotas and idempotency records of the outbound actions (`action_quota_usage`, `action_quota_holds`,
 * `action_idempotency`). A call first holds a slot (atomic: the usage row is locked while holds are
 * counted), and only a success turns the hold into a used call; a failure releases it. A hold that
 * outlives its lease (a crashed hub) stops counting.
 */
import { Context, type Effect, Schema } from "effect"
import type { ActionName } from "../src/domain/ActionCatalog.js"

/** The database could not be reached. */
export class ActionQuotaUnavailable extends Schema.TaggedError<ActionQuotaUnavailable>()("ActionQuotaUnavailable", {
  message: Schema.String
}) {}

export interface BeginInput {
  readonly caller: string
  readonly action: ActionName
  /** UTC day of the call, YYYY-MM-DD. */
  readonly day: string
  /** Successful calls allowed per day; null: unlimited (no hold is taken). */
  readonly limit: number | null
  /** The idempotency key and a hash of the call it names, if the caller sent one. */
  readonly key: { readonly value: string; readonly requestHash: string } | null
  /** How long the hold and a pending key stay valid without an outcome. */
  readonly leaseMs: number
}

/** What `begin` decided. */
export type Begin =
  | { readonly _tag: "Proceed"; readonly holdId: string | null }
  | { readonly _tag: "Replay"; readonly answer: unknown }
  | { readonly _tag: "Limited"; readonly used: number; readonly limit: number }
  | { readonly _tag: "InProgress" }
  | { readonly _tag: "KeyReused" }

export interface Settle {
  readonly caller: string
  readonly action: ActionName
  readonly day: string
  readonly holdId: string | null
  readonly key: string | null
}

export interface UsageRow {
  readonly action: string
  readonly day: string
  readonly used: number
}

export interface ActionQuotaStoreService {
  /** Checks the key (a fresh result replays), then the quota, then holds a slot and the key. */
  readonly begin: (input: BeginInput) => Effect.Effect<Begin, ActionQuotaUnavailable>
  /** The call succeeded: counts it, drops the hold, keeps the answer under the key for 24 h. */
  readonly succeed: (settle: Settle, answer: unknown) => Effect.Effect<void, ActionQuotaUnavailable>
  /** The call failed: drops the hold and the pending key (a retry with the same key may run). */
  readonly release: (settle: Settle) => Effect.Effect<void, ActionQuotaUnavailable>
  /** Successful calls per action and day, from `fromDay` on. */
  readonly usage: (caller: string, fromDay: string) => Effect.Effect<ReadonlyArray<UsageRow>, ActionQuotaUnavailable>
  /** The plan and state of a token (for action targets, whose deliveries spend their owner's quota). */
  readonly owner: (
    tokenId: string
  ) => Effect.Effect<
    { readonly plan: string; readonly role: string; readonly active: boolean } | null,
    ActionQuotaUnavailable
  >
  /** Removes expired holds and keys, and usage rows older than `keepDays`; answers rows removed. */
  readonly prune: (keepDays: number) => Effect.Effect<number, ActionQuotaUnavailable>
}

export class ActionQuotaStore extends Context.Tag("switchboard/ActionQuotaStore")<
  ActionQuotaStore,
  ActionQuotaStoreService
>() {}
