/** Where heartbeats land: the connector registry (latest state) and the day-partitioned heartbeat log. */
import { Context, type Effect, Schema } from "effect"
import type { HeartbeatV1 } from "../src/domain/Heartbeat.js"
import type { DeltaKind } from "../src/domain/HeartbeatDeltas.js"

/** What recording one heartbeat did. */
export interface RecordOutcome {
  /** first heartbeat of the connector, a restart (new instance_id), a counter reset, or a continuation */
  readonly kind: DeltaKind
  /** the instance that sent the previous heartbeat, when there was one */
  readonly previous_instance_id: string | null
  /** true when the (connector_type, endpoint_identity) was not in the registry before */
  readonly registered: boolean
}

/** The database could not be reached or did not answer in time. */
export class HeartbeatStoreUnavailable extends Schema.TaggedError<HeartbeatStoreUnavailable>()(
  "HeartbeatStoreUnavailable",
  { message: Schema.String }
) {}

export interface HeartbeatStoreService {
  /**
   * In one transaction: registers an unknown connector, computes counter deltas against its previous
   * heartbeat, updates the registry (keeping the stored checkpoint and capabilities when omitted)
   * and appends the heartbeat to the log.
   */
  readonly record: (heartbeat: HeartbeatV1, receivedAt: Date) => Effect.Effect<RecordOutcome, HeartbeatStoreUnavailable>
}

export class HeartbeatStore extends Context.Tag("switchboard/HeartbeatStore")<HeartbeatStore, HeartbeatStoreService>() {}
