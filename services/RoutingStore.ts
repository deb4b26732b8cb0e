/** Delivery targets and routing rules: what the `targets` / `routes` commands manage and the router reads. */
import { Context, type Effect, type Redacted, Schema } from "effect"
import { RouteView } from "../src/domain/Console.js"
import type { RuleSpec } from "../src/domain/RoutingRules.js"

export const TargetRecord = Schema.Struct({
  name: Schema.String,
  /** The URL with any password masked. */
  url: Schema.String,
  /** A non-reversible label of the signing secret. */
  secret_fingerprint: Schema.String,
  created_at: Schema.String,
  removed_at: Schema.NullOr(Schema.String),
  /** When the target was paused (issue 12: deliveries wait); null while it runs. */
  paused_at: Schema.NullOr(Schema.String)
}).annotations({ identifier: "TargetRecord" })
export type TargetRecord = typeof TargetRecord.Type

/** A stored routing rule: the console's Route shape (src/domain/Console.ts), one schema for store, API and CLI. */
export const RuleRecord = RouteView
export type RuleRecord = typeof RuleRecord.Type

/** A target to add; the secret signs every delivery to it. */
export interface NewTarget {
  readonly name: string
  readonly url: string
  readonly secret: Redacted.Redacted<string>
}

/** A rule to add; null matchers match anything. */
export type NewRule = Omit<RuleSpec, "id">

/** What the router needs: the live target names and every rule. */
export interface RoutingSnapshot {
  readonly targets: ReadonlyArray<string>
  readonly rules: ReadonlyArray<RuleSpec>
}

/** The database could not be reached. */
export class RoutingStoreUnavailable extends Schema.TaggedError<RoutingStoreUnavailable>()("RoutingStoreUnavailable", {
  message: Schema.String
}) {}

/** No live target has this name. */
export class TargetNotFound extends Schema.TaggedError<TargetNotFound>()("TargetNotFound", {
  name: Schema.String,
  message: Schema.String
}) {}

/** A live target already has this name. */
export class TargetExists extends Schema.TaggedError<TargetExists>()("TargetExists", {
  name: Schema.String,
  message: Schema.String
}) {}

/** No rule has this id. */
export class RuleNotFound extends Schema.TaggedError<RuleNotFound>()("RuleNotFound", {
  id: Schema.String,
  message: Schema.String
}) {}

/** A target or rule argument is malformed (bad name, URL, regex, channel…); the message names it. */
export class RoutingInputInvalid extends Schema.TaggedError<RoutingInputInvalid>()("RoutingInputInvalid", {
  message: Schema.String
}) {}

export interface RoutingStoreService {
  /** Adds a target (or revives a removed one of the same name). */
  readonly addTarget: (
    input: NewTarget
  ) => Effect.Effect<TargetRecord, RoutingStoreUnavailable | TargetExists | RoutingInputInvalid>
  /** Live targets by name (removed ones too with `includeRemoved`). */
  readonly listTargets: (includeRemoved: boolean) => Effect.Effect<ReadonlyArray<TargetRecord>, RoutingStoreUnavailable>
  /** Removes a target and its rules; its pending deliveries end as dead letters. */
  readonly removeTarget: (
    name: string
  ) => Effect.Effect<{ readonly target: TargetRecord; readonly rulesRemoved: number }, RoutingStoreUnavailable | TargetNotFound>
  /** Adds a rule for a live target. */
  readonly addRule: (
    input: NewRule
  ) => Effect.Effect<RuleRecord, RoutingStoreUnavailable | TargetNotFound | RoutingInputInvalid>
  /** Every rule in evaluation order. */
  readonly listRules: Effect.Effect<ReadonlyArray<RuleRecord>, RoutingStoreUnavailable>
  /**
   * Changes a live webhook target's URL and/or signing secret (issue 12). Deliveries already pending go to the
   * new URL, signed with the new secret, from their next attempt on. An action target takes neither.
   */
  readonly updateTarget: (
    name: string,
    change: { readonly url?: string; readonly secret?: Redacted.Redacted<string> }
  ) => Effect.Effect<TargetRecord, RoutingStoreUnavailable | TargetNotFound | RoutingInputInvalid>
  /** Changes fields of a rule (absent fields keep their value), validated like addRule. */
  readonly updateRule: (
    id: string,
    change: Partial<NewRule>
  ) => Effect.Effect<RuleRecord, RoutingStoreUnavailable | RuleNotFound | TargetNotFound | RoutingInputInvalid>
  /** Removes one rule. */
  readonly removeRule: (id: string) => Effect.Effect<RuleRecord, RoutingStoreUnavailable | RuleNotFound>
  /** The live targets and rules, for the router. */
  readonly snapshot: Effect.Effect<RoutingSnapshot, RoutingStoreUnavailable>
}

export class RoutingStore extends Context.Tag("switchboard/RoutingStore")<RoutingStore, RoutingStoreService>() {}
