/**
 * Generated connector history for tests, demos and benchmarks: fills `connector_registry`, the
 * day-partitioned `connector_heartbeat_log` (partitions created as needed), optionally the hourly
 * and daily rollups (marked done in stats_rollup_runs) and inbox rows with delivered
 * `dispatch_outcomes` (so the fanout rollup has input). Everything is computed in SQL with
 * generate_series, one statement per day, so millions of rows take seconds, not minutes.
 *
 * Usage (needs SqlClient on a migrated, preferably fresh database):
 *
 *   import * as GenerateHistory from "../src/stats/GenerateHistory.js"
 *   const summary = yield* GenerateHistory.generate({
 *     connectors: 6, days: 3, end: new Date("2026-11-22T10:30:00Z"),
 *     rollups: true, messagesPerDay: 4            // optional
 *   })
 *   // then ask the API of a hub whose clock reads `end`: test/stats/support/FrozenClock.ts freezes a
 *   // real hub's clock (TestHub.layer.pipe(Layer.provide(FrozenClock.make(end).layer))), see
 *   // test/stats/Api.test.ts; with end = the real now, a normally running hub shows it as live.
 *
 * The data is deterministic for given options and self-consistent: counters are monotonic per
 * instance, deltas obey the heartbeat rules (a new instance contributes its counters), so rolled-up
 * sums equal the deltas in the log. Connector i (0-based) is `${type}-${i}` with the type cycling
 * through `types`; its liveness at `end` is: i % 10 === 8 → offline (stopped an hour before),
 * i % 10 === 9 → stale (stopped 200 s before), others online. Every ~53rd heartbeat is `error` and
 * every ~17th `degraded`, each with an error_message. `neverSeen` extra registry rows have no
 * heartbeat (liveness unknown).
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import * as Partitions from "../../layers/Stats/Partitions.js"
import * as RollupQueries from "../../layers/Stats/RollupQueries.js"
import { DAY_MS, HOUR_MS, truncDay, truncHour } from "./Buckets.js"

export interface HistoryOptions {
  /** how many connectors heartbeat */
  readonly connectors: number
  /** days of history before `end` */
  readonly days: number
  /** the history ends just before this instant (use the test's or benchmark's "now") */
  readonly end: Date
  /** seconds between heartbeats of one connector (default 120) */
  readonly intervalS?: number
  /** connector types, cycled (default telegram, email, sandbox) */
  readonly types?: ReadonlyArray<string>
  /** a connector restarts (new instance_id, counters from zero) every this many hours (default 6) */
  readonly restartEveryH?: number
  /** also roll up every complete hour and day of the history (default false) */
  readonly rollups?: boolean
  /** inbox messages per connector per day with delivered dispatch_outcomes (default 0: none) */
  readonly messagesPerDay?: number
  /** targets of those messages (default crm-webhook, archive) */
  readonly targets?: ReadonlyArray<string>
  /** registry rows that never sent a heartbeat (default 0) */
  readonly neverSeen?: number
}

export interface HistorySummary {
  readonly start: Date
  readonly end: Date
  readonly heartbeats: number
  readonly connectors: number
  readonly inboxMessages: number
  readonly hourlyRows: number
  readonly dailyRows: number
}

export const generate = (options: HistoryOptions) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const interval = options.intervalS ?? 120
    const types = options.types ?? ["telegram", "email", "sandbox"]
    const restartS = (options.restartEveryH ?? 6) * 3600
    const endMs = options.end.getTime()
    const startMs = endMs - options.days * DAY_MS
    const n = options.connectors
    yield* Partitions.ensureRange(startMs, endMs)

    let heartbeats = 0
    for (let day = truncDay(startMs); day < endMs; day += DAY_MS) {
      const from = Math.max(day, startMs)
      const to = Math.min(day + DAY_MS, endMs)
      const k0 = Math.max(0, Math.floor((from - startMs) / 1000 / interval) - 1)
      const k1 = Math.ceil((to - startMs) / 1000 / interval) + 1
      const rows = yield* sql<{ readonly n: string }>`
        WITH c AS (
          SELECT i, (${types})::text[] AS types, ((i * 37) % ${interval}::int) AS jitter_s, ((i * 3607) % ${restartS}::int) AS phase,
            CASE WHEN i % 10 = 8 THEN 3600 WHEN i % 10 = 9 THEN 200 ELSE 0 END AS stop_s
          FROM generate_series(0, ${n - 1}::int) AS i
        ), hb AS (
          SELECT c.i, c.types[1 + c.i % array_length(c.types, 1)] AS connector_type, k,
            ${new Date(startMs)}::timestamptz + make_interval(secs => k * ${interval}::int + c.jitter_s) AS received_at,
            (k * ${interval}::int + c.phase) / ${restartS}::int AS m,
            k - greatest(0, ceil(((((k * ${interval}::int + c.phase) / ${restartS}::int) * ${restartS}::int) - c.phase)::numeric / ${interval}::int))::int + 1 AS seq,
            c.stop_s
          FROM c CROSS JOIN generate_series(${k0}::int, ${k1}::int) AS k
        ), r AS (
          SELECT hb.*, 1 + (i * 7 + m * 3) % 5 AS rate, CASE WHEN (i + m) % 3 = 0 THEN 1 ELSE 0 END AS frate,
            CASE WHEN (i * 7919 + k * 104729) % 53 = 0 THEN 'error'
                 WHEN (i * 7919 + k * 104729) % 17 = 0 THEN 'degraded' ELSE 'healthy' END AS state
          FROM hb
          WHERE received_at >= ${new Date(from)} AND received_at < ${new Date(to)}
            AND received_at < ${new Date(endMs)}::timestamptz - make_interval(secs => stop_s)
        ), ins AS (
          INSERT INTO connector_heartbeat_log (connector_type, endpoint_identity, instance_id, version, state, error_message,
            uptime_s, counter_messages_ingested, counter_messages_failed, counter_source_api_calls, counter_checkpoint_saves,
            counter_dedupe_accepted, delta_messages_ingested, delta_messages_failed, delta_source_api_calls,
            delta_checkpoint_saves, delta_dedupe_accepted, checkpoint_cursor, checkpoint_updated_at, sent_at, received_at)
          SELECT connector_type, connector_type || '-' || i, md5(i || ':' || m)::uuid, '1.0.' || (m % 3), state,
            CASE state WHEN 'error' THEN 'source answered 401 (generated)' WHEN 'degraded' THEN '3 transient failures in a row (generated)' END,
            (seq - 1) * ${interval}::int, rate * seq, frate * seq, 2 * seq, seq, (i % 2) * seq,
            rate, frate, 2, 1, i % 2, 'cursor-' || k, received_at, received_at - interval '50 milliseconds', received_at
          FROM r
          RETURNING 1
        ) SELECT count(*) AS n FROM ins`
      heartbeats += Number(rows[0]?.n ?? 0)
    }

    yield* sql`
      INSERT INTO connector_registry (connector_type, endpoint_identity, instance_id, version, state, error_message, uptime_s,
        last_heartbeat_at, last_sent_at, first_seen_at, registered_via, counter_messages_ingested, counter_messages_failed,
        counter_source_api_calls, counter_checkpoint_saves, counter_dedupe_accepted, checkpoint_cursor, checkpoint_updated_at,
        capabilities)
      SELECT DISTINCT ON (connector_type, endpoint_identity) connector_type, endpoint_identity, instance_id, version, state,
        error_message, uptime_s, received_at, sent_at, ${new Date(startMs)}, 'self', counter_messages_ingested,
        counter_messages_failed, counter_source_api_calls, counter_checkpoint_saves, counter_dedupe_accepted,
        checkpoint_cursor, checkpoint_updated_at, '{"polling": true, "webhooks": false}'::jsonb
      FROM connector_heartbeat_log
      WHERE received_at >= ${new Date(Math.max(startMs, endMs - 2 * DAY_MS))} AND received_at < ${new Date(endMs)}
      ORDER BY connector_type, endpoint_identity, received_at DESC
      ON CONFLICT (connector_type, endpoint_identity) DO NOTHING`
    // The live accumulators a hub would hold at `end`: this hour's and this day's sums.
    const live = (column: "hour" | "day", since: number) =>
      sql`UPDATE connector_registry r SET ${sql(`live_${column}`)} = ${new Date(since)},
          ${sql(`live_${column}_ingested`)} = s.ingested, ${sql(`live_${column}_failed`)} = s.failed,
          ${sql(`live_${column}_heartbeats`)} = s.beats, ${sql(`live_${column}_healthy`)} = s.healthy
          ${column === "hour" ? sql`, live_hour_degraded = s.degraded, live_hour_error = s.error` : sql``}
        FROM (SELECT connector_type, endpoint_identity, sum(delta_messages_ingested) AS ingested,
            sum(delta_messages_failed) AS failed, count(*) AS beats, count(*) FILTER (WHERE state = 'healthy') AS healthy,
            count(*) FILTER (WHERE state = 'degraded') AS degraded, count(*) FILTER (WHERE state = 'error') AS error
          FROM connector_heartbeat_log WHERE received_at >= ${new Date(since)} AND received_at < ${new Date(endMs)}
          GROUP BY connector_type, endpoint_identity) s
        WHERE r.connector_type = s.connector_type AND r.endpoint_identity = s.endpoint_identity`
    yield* live("hour", truncHour(endMs))
    yield* live("day", truncDay(endMs))
    const neverSeen = options.neverSeen ?? 0
    if (neverSeen > 0) {
      yield* sql`
        INSERT INTO connector_registry (connector_type, endpoint_identity, first_seen_at, registered_via)
        SELECT 'sandbox', 'never-seen-' || j, ${new Date(startMs)}, 'cli' FROM generate_series(1, ${neverSeen}::int) AS j
        ON CONFLICT DO NOTHING`
    }

    const perDay = options.messagesPerDay ?? 0
    const targets = options.targets ?? ["crm-webhook", "archive"]
    let inboxMessages = 0
    if (perDay > 0) {
      const rows = yield* sql<{ readonly n: string }>`
        WITH c AS (
          SELECT i, (${types})::text[] AS types FROM generate_series(0, ${n - 1}::int) AS i
        ), msg AS (
          SELECT i, c.types[1 + i % array_length(c.types, 1)] AS channel, d, j,
            ${new Date(startMs)}::timestamptz + make_interval(days => d, secs => (j * 86400 / ${perDay}::int) + i) AS received_at
          FROM c CROSS JOIN generate_series(0, ${options.days}::int) AS d CROSS JOIN generate_series(0, ${perDay - 1}::int) AS j
        ), ins AS (
          INSERT INTO message_inbox (request_id, dedupe_key, source_channel, source_provider, source_endpoint_identity,
            external_event_id, sender_identity, observed_at, normalized_text, raw, received_at, lifecycle_state, dispatch_outcomes)
          SELECT md5('msg:' || i || ':' || d || ':' || j)::uuid, 'gen:' || i || ':' || d || ':' || j, channel,
            CASE channel WHEN 'email' THEN 'gmail' WHEN 'api' THEN 'internal' WHEN 'mcp' THEN 'internal' ELSE channel END,
            channel || '-' || i, 'gen-' || d || '-' || j, 'user-' || (j % 3), received_at, 'generated message', NULL,
            received_at, 'delivered',
            (SELECT jsonb_agg(jsonb_build_object('target', t, 'status',
                CASE WHEN (i + j + ti) % 7 = 0 THEN 'dead_lettered' ELSE 'delivered' END,
                'attempts', 1, 'last_error', NULL, 'delivered_at', received_at + interval '2 seconds') ORDER BY t)
             FROM unnest((${targets})::text[]) WITH ORDINALITY AS u(t, ti) WHERE ti <= 1 + (i + j) % array_length((${targets})::text[], 1))
          FROM msg WHERE received_at < ${new Date(endMs)}
          RETURNING 1
        ) SELECT count(*) AS n FROM ins`
      inboxMessages = Number(rows[0]?.n ?? 0)
    }

    let hourlyRows = 0
    let dailyRows = 0
    if (options.rollups === true) {
      const record = (kind: string, bucket: number, rows: number) =>
        sql`INSERT INTO stats_rollup_runs (kind, bucket, row_count, duration_ms, ran_at)
          VALUES (${kind}, ${new Date(bucket)}, ${rows}, 0, ${options.end}) ON CONFLICT (kind, bucket) DO NOTHING`
      for (let h = truncHour(startMs); h + HOUR_MS <= endMs; h += HOUR_MS) {
        const rows = yield* RollupQueries.hourly(new Date(h), new Date(h + HOUR_MS))
        hourlyRows += rows
        yield* record("hourly", h, rows)
      }
      for (let d = truncDay(startMs); d + DAY_MS <= endMs; d += DAY_MS) {
        const rows = yield* RollupQueries.daily(new Date(d), new Date(d + DAY_MS))
        dailyRows += rows
        yield* record("daily", d, rows)
        if (perDay > 0) yield* record("fanout", d, yield* RollupQueries.fanout(new Date(d), new Date(d + DAY_MS), 7))
      }
    }

    const summary: HistorySummary = {
      start: new Date(startMs),
      end: options.end,
      heartbeats,
      connectors: n + neverSeen,
      inboxMessages,
      hourlyRows,
      dailyRows
    }
    return summary
  })
