/**
 * A running connector's own counters and health (the source of its heartbeats). Counters are
 * monotonic since start; health follows DESIGN.md §6: three transient failures in a row → degraded,
 * unauthorized or conflict → error, any success → healthy.
 */
import { Clock, Effect, Option, Ref } from "effect"
import type { DegradationCount, HealthState, HeartbeatCounters } from "../../domain/Heartbeat.js"
import type { Checkpoint } from "../../../services/CheckpointStore.js"
import type { SourceError } from "../../../services/SourceConnector.js"
import type { IngestUnauthorized, IngestUnavailable } from "../../../services/SwitchboardClient.js"
import * as Degradation from "./Degradation.js"

/** Transient failures in a row before health turns degraded. */
export const DEGRADED_AFTER = 3

export interface Health {
  /** healthy | degraded | error */
  readonly state: HealthState
  /** What went wrong last (no secrets, no message text). */
  readonly message: string | null
  /** Transient failures since the last success. */
  readonly streak: number
}

export interface Snapshot {
  /** The heartbeat counters. */
  readonly counters: HeartbeatCounters
  /** Current health. */
  readonly health: Health
  /** Skipped source events by reason. */
  readonly skipped: Readonly<Record<string, number>>
  /** Attachments dropped (MediaUnavailable) by reason. */
  readonly degraded: Readonly<Record<string, number>>
  /** Times the source reset an expired cursor (a possible gap). */
  readonly cursorResets: number
  /** The last checkpoint loaded or saved. */
  readonly checkpoint: Option.Option<Checkpoint>
  /** What degraded, by kind (cursor resets are `cursorResets`, attachments by reason `degraded`). */
  readonly degradation: Degradation.Counts
  /** When the hub last accepted an event (new or duplicate), epoch ms. */
  readonly lastSubmissionAt: Option.Option<number>
}

const zero: HeartbeatCounters = {
  messages_ingested: 0,
  messages_failed: 0,
  source_api_calls: 0,
  checkpoint_saves: 0,
  dedupe_accepted: 0
}

const bump = (counts: Readonly<Record<string, number>>, key: string) => ({ ...counts, [key]: (counts[key] ?? 0) + 1 })

const afterFailure = (h: Health, e: SourceError | IngestUnavailable | IngestUnauthorized): Health => {
  switch (e._tag) {
    case "SourceTransient":
    case "IngestUnavailable": {
      const streak = h.streak + 1
      return streak >= DEGRADED_AFTER && h.state !== "error"
        ? { state: "degraded", message: `${streak} transient failures in a row: ${e.message}`, streak }
        : { ...h, streak }
    }
    case "SourceUnauthorized":
    case "SourceConflict":
    case "IngestUnauthorized":
      return { state: "error", message: e.message, streak: h.streak }
    default:
      return h
  }
}

export const make = Effect.gen(function*() {
  const snapshot = yield* Ref.make<Snapshot>({
    counters: zero,
    health: { state: "healthy", message: null, streak: 0 },
    skipped: {},
    degraded: {},
    cursorResets: 0,
    checkpoint: Option.none(),
    degradation: Degradation.zero,
    lastSubmissionAt: Option.none()
  })
  const counters = (f: (c: HeartbeatCounters) => HeartbeatCounters) =>
    Ref.update(snapshot, (s) => ({ ...s, counters: f(s.counters) }))
  const degrade = (kind: DegradationCount, n = 1) =>
    Ref.update(snapshot, (s) => ({ ...s, degradation: { ...s.degradation, [kind]: s.degradation[kind] + n } }))
  return {
    /** Everything, at once. */
    snapshot: Ref.get(snapshot),
    /** `n` calls were made to the source API. */
    sourceCalls: (n: number) => counters((c) => ({ ...c, source_api_calls: c.source_api_calls + n })),
    /** The hub accepted an event (new or duplicate), now. */
    accepted: (duplicate: boolean) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.update(snapshot, (s) => ({
          ...s,
          lastSubmissionAt: Option.some(now),
          counters: duplicate
            ? { ...s.counters, dedupe_accepted: s.counters.dedupe_accepted + 1 }
            : { ...s.counters, messages_ingested: s.counters.messages_ingested + 1 }
        }))),
    /** The hub refused an event for good. */
    failed: counters((c) => ({ ...c, messages_failed: c.messages_failed + 1 })),
    /** A checkpoint was written. */
    saved: (checkpoint: Checkpoint) =>
      Ref.update(snapshot, (s) => ({
        ...s,
        checkpoint: Option.some(checkpoint),
        counters: { ...s.counters, checkpoint_saves: s.counters.checkpoint_saves + 1 }
      })),
    /** A checkpoint was loaded at start. */
    loaded: (checkpoint: Checkpoint) => Ref.update(snapshot, (s) => ({ ...s, checkpoint: Option.some(checkpoint) })),
    /** A source event was skipped for `reason`. */
    skipped: (reason: string) => Ref.update(snapshot, (s) => ({ ...s, skipped: bump(s.skipped, reason) })),
    /** An attachment was dropped for `reason` (a failure to fetch, process or store it is also a media failure). */
    degraded: (reason: string) =>
      Ref.update(snapshot, (s) => ({
        ...s,
        degraded: bump(s.degraded, reason),
        degradation: Degradation.MEDIA_FAILURE_REASONS.has(reason)
          ? { ...s.degradation, media_failures: s.degradation.media_failures + 1 }
          : s.degradation
      })),
    /** The source rate limited us and asked to wait `waitS` seconds. */
    rateLimited: (waitS: number) => Effect.zipRight(degrade("rate_limited"), degrade("rate_limit_wait_s", waitS)),
    /** A refused event was written to the dead letters. */
    deadLettered: degrade("dead_lettered"),
    /** A checkpoint write failed. */
    checkpointSaveFailed: degrade("checkpoint_save_failures"),
    /** The checkpoint found at start could not be read, decoded or used. */
    checkpointCorrupt: degrade("checkpoint_corrupt"),
    /** The source reset an expired cursor. */
    cursorReset: Ref.update(snapshot, (s) => ({ ...s, cursorResets: s.cursorResets + 1 })),
    /** A fetch or submission failed with `e`. */
    failure: (e: SourceError | IngestUnavailable | IngestUnauthorized) =>
      Ref.update(snapshot, (s) => ({ ...s, health: afterFailure(s.health, e) })),
    /** A fetch or submission succeeded. */
    success: Ref.update(snapshot, (s): Snapshot =>
      s.health.state === "healthy" && s.health.streak === 0
        ? s
        : { ...s, health: { state: "healthy", message: null, streak: 0 } })
  }
})

export type State = Effect.Effect.Success<typeof make>
