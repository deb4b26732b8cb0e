/**
 * SourceCounts on Postgres (hub_source_counts, migration 0066). Outcomes are tallied in memory (Tally.ts)
 * and written every `flushEvery` with one additive upsert, and once more when the layer closes, so a
 * crash loses at most one flush interval of counts; a failed write keeps its tallies for the next one.
 * Hubs sharing a database add up; reads add this process's unwritten tallies (not other hubs'), so a
 * heartbeat is never compared with counts a few seconds behind it. Rows older than `retention` are pruned
 * at start and hourly.
 */
import { SqlClient } from "@effect/sql"
import { Cause, Clock, Duration, Effect, Layer, Metric, Schedule } from "effect"
import { truncHour } from "../../src/stats/Buckets.js"
import {
  type ConnectorSource,
  type Counts,
  type HourCounts,
  keyOf,
  type Outcome,
  SourceCounts,
  SourceCountsUnavailable,
  type SourceKey
} from "../../services/SourceCounts.js"
import * as SqlFailure from "../Database/SqlFailure.js"
import * as Tally from "./Tally.js"

export interface Options extends Tally.Budget {
  /** How often tallies are written: the most a crash can lose. */
  readonly flushEvery: Duration.Duration
  /** How long hourly rows are kept (the dashboard reads at most 7 days). */
  readonly retention: Duration.Duration
}

export const defaults: Options = {
  flushEvery: Duration.seconds(5),
  retention: Duration.days(8),
  maxRejectedSources: 1_000,
  maxStoredSources: 10_000,
  maxPending: 50_000
}

/** Outcomes counted under "(overflow)" instead of their own source, by `reason` (rejected_sources, stored_sources, backlog). */
export const sourceCountsFolded = Metric.counter("switchboard_source_counts_folded_total", {
  description: "Hub source counts folded into the (overflow) source to bound distinct sources, by reason",
  incremental: true
})

const foldReasons: Record<Tally.FoldReason, string> = {
  rejected_sources: "more distinct sources first seen in rejected envelopes this hour than the budget",
  stored_sources: "more distinct sources of accepted envelopes this hour than the budget",
  backlog: "more unwritten tallies than the backlog limit (the database was unavailable)"
}

/** Whether a connector's type and identity name this source (type = provider, or type = channel). */
const names = (c: ConnectorSource, s: SourceKey) =>
  s.endpoint_identity === c.endpoint_identity && (s.provider === c.connector_type || s.channel === c.connector_type)

const sumInto = (target: Map<string, { accepted: number; duplicate: number; rejected: number }>, key: string, c: Counts) => {
  const t = target.get(key)
  if (t === undefined) target.set(key, { accepted: c.accepted, duplicate: c.duplicate, rejected: c.rejected })
  else {
    t.accepted += c.accepted
    t.duplicate += c.duplicate
    t.rejected += c.rejected
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

interface CountRow {
  readonly connector_type: string
  readonly endpoint_identity: string
  readonly hour_ms: number
  readonly accepted: number
  readonly duplicate: number
  readonly rejected: number
}

export const make = (options: Options = defaults) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const guard = SqlFailure.guard((reason) => new SourceCountsUnavailable({ message: reason }))
    const tally = Tally.make(options)
    const writing = yield* Effect.makeSemaphore(1)

    const record = (outcomes: ReadonlyArray<readonly [SourceKey, Outcome] | readonly [SourceKey, Outcome, number]>) =>
      outcomes.length === 0 ? Effect.void : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => {
          const hour = truncHour(now)
          for (const [source, outcome, n] of outcomes) tally.add(hour, source, outcome, n ?? 1)
        }))

    // Sorted, so hubs upserting the same rows concurrently lock them in one order (no deadlock).
    const upsert = (entries: ReadonlyArray<Tally.Entry>) => {
      const rows = [...entries].sort((a, b) =>
        a.hour - b.hour || compare(a.source.channel, b.source.channel) || compare(a.source.provider, b.source.provider) ||
        compare(a.source.endpoint_identity, b.source.endpoint_identity)
      )
      return sql`
        INSERT INTO hub_source_counts (hour, channel, provider, endpoint_identity, accepted, duplicate, rejected)
        SELECT * FROM unnest(${rows.map((r) => new Date(r.hour).toISOString())}::timestamptz[],
          ${rows.map((r) => r.source.channel)}::text[], ${rows.map((r) => r.source.provider)}::text[],
          ${rows.map((r) => r.source.endpoint_identity)}::text[], ${rows.map((r) => r.accepted)}::bigint[],
          ${rows.map((r) => r.duplicate)}::bigint[], ${rows.map((r) => r.rejected)}::bigint[])
        ON CONFLICT (hour, channel, provider, endpoint_identity) DO UPDATE SET
          accepted = hub_source_counts.accepted + EXCLUDED.accepted,
          duplicate = hub_source_counts.duplicate + EXCLUDED.duplicate,
          rejected = hub_source_counts.rejected + EXCLUDED.rejected`
    }

    const reportFolds = (folds: Tally.Folds) =>
      Effect.forEach(Object.entries(folds) as ReadonlyArray<[Tally.FoldReason, number]>, ([reason, n]) =>
        n === 0 ? Effect.void : Metric.incrementBy(Metric.tagged(sourceCountsFolded, "reason", reason), n).pipe(
          Effect.zipRight(Effect.logWarning("source counts: outcomes counted under (overflow)").pipe(
            Effect.annotateLogs({ reason: foldReasons[reason], folded: n })
          ))
        ), { discard: true })

    // Uninterruptible from take to write, so shutdown never drops tallies already taken from memory.
    const flush = writing.withPermits(1)(Effect.uninterruptible(Effect.gen(function*() {
      const { entries, folds } = tally.take()
      yield* reportFolds(folds)
      if (entries.length === 0) return
      // Unavailable: kept for the next try. A refused statement (a defect: every value was validated) is not retried.
      yield* upsert(entries).pipe(
        guard,
        Effect.tapError(() => Effect.sync(() => tally.restore(entries)))
      )
    })))

    const flushLogged = flush.pipe(
      Effect.catchAllCause((cause) =>
        Effect.logWarning("source counts: could not write; kept for the next flush").pipe(
          Effect.annotateLogs({ cause: Cause.pretty(cause).slice(0, 300) })
        ))
    )

    const prune = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      sql`DELETE FROM hub_source_counts WHERE hour < ${new Date(now - Duration.toMillis(options.retention))}`).pipe(
        guard,
        Effect.catchAllCause((cause) =>
          Effect.logWarning("source counts: pruning failed; the next hour tries again").pipe(
            Effect.annotateLogs({ cause: Cause.pretty(cause).slice(0, 300) })
          ))
      )

    /** Adds this process's unwritten tallies in [from, to) that a connector names. */
    const withPending = (connectors: ReadonlyArray<ConnectorSource>, from: number, to: number, add: (c: ConnectorSource, e: Tally.Entry) => void) => {
      const byIdentity = new Map<string, Array<ConnectorSource>>()
      for (const c of connectors) byIdentity.set(c.endpoint_identity, [...(byIdentity.get(c.endpoint_identity) ?? []), c])
      for (const e of tally.pending()) {
        if (e.hour < from || e.hour >= to) continue
        for (const c of byIdentity.get(e.source.endpoint_identity) ?? []) if (names(c, e.source)) add(c, e)
      }
    }

    const rowsOf = (connectors: ReadonlyArray<ConnectorSource>, from: number, to: number, byHour: boolean) =>
      sql<CountRow>`
        SELECT k.connector_type, k.endpoint_identity,
          ${byHour ? sql`floor(extract(epoch FROM c.hour) * 1000)::float8` : sql`0::float8`} AS hour_ms,
          sum(c.accepted)::float8 AS accepted, sum(c.duplicate)::float8 AS duplicate, sum(c.rejected)::float8 AS rejected
        FROM unnest(${connectors.map((c) => c.connector_type)}::text[], ${connectors.map((c) => c.endpoint_identity)}::text[])
          AS k(connector_type, endpoint_identity)
        JOIN hub_source_counts c ON c.endpoint_identity = k.endpoint_identity
          AND (c.provider = k.connector_type OR c.channel = k.connector_type)
          AND c.hour >= ${new Date(from)} AND c.hour < ${new Date(to)}
        GROUP BY 1, 2, 3 ORDER BY 3`

    const totals = (connectors: ReadonlyArray<ConnectorSource>, from: number, to: number) =>
      Effect.gen(function*() {
        const out = new Map<string, { accepted: number; duplicate: number; rejected: number }>()
        if (connectors.length === 0) return out
        for (const r of yield* rowsOf(connectors, from, to, false)) sumInto(out, keyOf(r), r)
        withPending(connectors, from, to, (c, e) => sumInto(out, keyOf(c), e))
        return out as ReadonlyMap<string, Counts>
      }).pipe(guard)

    const hourly = (connector: ConnectorSource, from: number, to: number) =>
      Effect.gen(function*() {
        const byHour = new Map<string, { accepted: number; duplicate: number; rejected: number }>()
        for (const r of yield* rowsOf([connector], from, to, true)) sumInto(byHour, String(r.hour_ms), r)
        withPending([connector], from, to, (_, e) => sumInto(byHour, String(e.hour), e))
        return [...byHour.entries()]
          .map(([hour, c]): HourCounts => ({ hour: Number(hour), ...c }))
          .sort((a, b) => a.hour - b.hour)
      }).pipe(guard)

    // Written once by the migration and never changed: read once (a failed read is tried again next time).
    let since: number | null | undefined
    const countingSince = Effect.suspend(() =>
      since !== undefined ? Effect.succeed(since) : sql<{ readonly since_ms: number }>`
        SELECT floor(extract(epoch FROM since) * 1000)::float8 AS since_ms FROM hub_source_counts_since`.pipe(
        Effect.map((rows) => (since = rows[0]?.since_ms ?? null)),
        guard
      )
    )

    yield* Effect.forkScoped(Effect.schedule(flushLogged, Schedule.spaced(options.flushEvery)))
    // At start too, so a hub that never stays up an hour still prunes.
    yield* Effect.forkScoped(Effect.repeat(prune, Schedule.spaced(Duration.hours(1))))
    yield* Effect.addFinalizer(() => flushLogged)

    return SourceCounts.of({ record, flush, totals, hourly, countingSince })
  }).pipe(Effect.annotateLogs({ worker: "source-counts" }))

export const layerWith = (options: Options) => Layer.scoped(SourceCounts, make(options))

export const layer = layerWith(defaults)
