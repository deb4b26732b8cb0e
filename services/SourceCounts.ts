/**
 * The hub's own count of what each source sent it (issue 12): per UTC hour and source (channel, provider,
 * endpoint_identity), how many envelopes were accepted, duplicates or rejected. Kept by the ingest use
 * case itself, so the dashboard can set it beside the connectors' heartbeat claims.
 *
 * Counting is in memory and cheap (a Map increment, never a database round trip); the implementation
 * writes the tallies with one additive upsert every few seconds and once at shutdown, so a crash loses at
 * most one flush interval of counts (all three outcomes: the inbox rows stay the durable truth of what was
 * accepted). Sources are bounded: sources first seen in rejections get a small budget per hour, others a
 * larger one, and whatever exceeds a budget is counted under OVERFLOW.
 */
import { Context, type Effect, Schema } from "effect"

/** What the hub answered one envelope. Overloaded / Unavailable are no verdict (the sender retries) and are not counted. */
export type Outcome = "accepted" | "duplicate" | "rejected"

/** A source as validated by the envelope schema (or one of the fixed keys below): safe to store. */
export interface SourceKey {
  readonly channel: string
  readonly provider: string
  readonly endpoint_identity: string
}

/** A rejected envelope whose source could not be read (not an object, bad or too long strings): never its raw values. */
export const UNPARSED: SourceKey = { channel: "(unparsed)", provider: "(unparsed)", endpoint_identity: "(unparsed)" }

/** Outcomes of sources beyond the hour's budget of distinct sources. */
export const OVERFLOW: SourceKey = { channel: "(overflow)", provider: "(overflow)", endpoint_identity: "(overflow)" }

export interface Counts {
  readonly accepted: number
  readonly duplicate: number
  readonly rejected: number
}

export interface HourCounts extends Counts {
  /** start of the UTC hour, epoch ms */
  readonly hour: number
}

/**
 * A connector as the dashboard names it. Its `connector_type` matches sources whose provider is that name
 * (gmail) or whose channel is (email, telegram), as heartbeat scopes allow both.
 */
export interface ConnectorSource {
  readonly connector_type: string
  readonly endpoint_identity: string
}

/** The database could not be reached or did not answer in time. */
export class SourceCountsUnavailable extends Schema.TaggedError<SourceCountsUnavailable>()("SourceCountsUnavailable", {
  message: Schema.String
}) {}

export interface SourceCountsService {
  /** Counts outcomes now (a third element counts that many), in memory: one clock read, Map increments; never fails. */
  readonly record: (
    outcomes: ReadonlyArray<readonly [SourceKey, Outcome] | readonly [SourceKey, Outcome, number]>
  ) => Effect.Effect<void>
  /** Writes what is counted in memory (also done on a schedule and at shutdown); kept for the next try on failure. */
  readonly flush: Effect.Effect<void, SourceCountsUnavailable>
  /**
   * Counts per connector over [from, to) (epoch ms, whole hours), keyed by `keyOf`; this process's
   * counts not yet written are included. Connectors without counts are absent.
   */
  readonly totals: (
    connectors: ReadonlyArray<ConnectorSource>,
    from: number,
    to: number
  ) => Effect.Effect<ReadonlyMap<string, Counts>, SourceCountsUnavailable>
  /** One connector's counts per hour over [from, to), hours with counts only, oldest first. */
  readonly hourly: (
    connector: ConnectorSource,
    from: number,
    to: number
  ) => Effect.Effect<ReadonlyArray<HourCounts>, SourceCountsUnavailable>
  /** When the hub began counting (the migration that created the table), epoch ms; null if unknown. */
  readonly countingSince: Effect.Effect<number | null, SourceCountsUnavailable>
}

/** The key of a connector in `totals`' answer. */
export const keyOf = (c: ConnectorSource): string => `${c.connector_type}\u0000${c.endpoint_identity}`

export class SourceCounts extends Context.Tag("switchboard/SourceCounts")<SourceCounts, SourceCountsService>() {}
