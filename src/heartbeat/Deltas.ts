/**
 * Counter deltas of a heartbeat against the previous heartbeat of the same connector (pure).
 * Counters are monotonic since process start: a new instance contributes all its counters; a
 * counter that went down within one instance was reset, so it contributes its new value. A delta
 * is never negative.
 */
import type { HeartbeatCounters } from "../domain/Heartbeat.js"
import type { DeltaKind } from "../domain/HeartbeatDeltas.js"

export const counterNames = [
  "messages_ingested",
  "messages_failed",
  "source_api_calls",
  "checkpoint_saves",
  "dedupe_accepted"
] as const satisfies ReadonlyArray<keyof HeartbeatCounters>

/** What the registry held before this heartbeat. */
export interface PreviousHeartbeat {
  readonly instance_id: string | null
  readonly counters: HeartbeatCounters
}

export interface Deltas {
  readonly kind: DeltaKind
  readonly deltas: HeartbeatCounters
}

const map = (f: (name: keyof HeartbeatCounters) => number): HeartbeatCounters => ({
  messages_ingested: f("messages_ingested"),
  messages_failed: f("messages_failed"),
  source_api_calls: f("source_api_calls"),
  checkpoint_saves: f("checkpoint_saves"),
  dedupe_accepted: f("dedupe_accepted")
})

export const computeDeltas = (
  previous: PreviousHeartbeat | undefined,
  instanceId: string,
  counters: HeartbeatCounters
): Deltas => {
  if (previous === undefined || previous.instance_id === null) return { kind: "first", deltas: counters }
  if (previous.instance_id !== instanceId) return { kind: "restart", deltas: counters }
  const reset = counterNames.some((n) => counters[n] < previous.counters[n])
  return {
    kind: reset ? "reset" : "continued",
    deltas: map((n) => (counters[n] >= previous.counters[n] ? counters[n] - previous.counters[n] : counters[n]))
  }
}
