/** The `connector.heartbeat.v1` message (DESIGN.md §5.4), shared by connectors (sender) and the hub (receiver). */
import { Schema } from "effect"
import { optional, RequiredString, Rfc3339Timestamp } from "./Envelope.js"

const Count = Schema.Int.pipe(Schema.nonNegative())

export const HealthState = Schema.Literal("healthy", "degraded", "error")
export type HealthState = typeof HealthState.Type

export const HeartbeatCounters = Schema.Struct({
  messages_ingested: Count,
  messages_failed: Count,
  source_api_calls: Count,
  checkpoint_saves: Count,
  dedupe_accepted: Count
}).annotations({ identifier: "HeartbeatCounters" })
export type HeartbeatCounters = typeof HeartbeatCounters.Type

export const HeartbeatV1 = Schema.Struct({
  schema_version: Schema.Literal("connector.heartbeat.v1"),
  connector: Schema.Struct({
    connector_type: RequiredString,
    endpoint_identity: RequiredString,
    instance_id: Schema.UUID,
    version: optional(RequiredString)
  }),
  status: Schema.Struct({
    state: HealthState,
    error_message: optional(Schema.NullOr(Schema.String)),
    uptime_s: Schema.Number.pipe(Schema.nonNegative())
  }),
  counters: HeartbeatCounters,
  checkpoint: optional(Schema.Struct({ cursor: Schema.String, updated_at: Rfc3339Timestamp })),
  capabilities: optional(Schema.Record({ key: Schema.String, value: Schema.Boolean })),
  sent_at: Rfc3339Timestamp
}).annotations({ identifier: "ConnectorHeartbeatV1" })
export type HeartbeatV1 = typeof HeartbeatV1.Type
export type HeartbeatInput = typeof HeartbeatV1.Encoded

export const HeartbeatAnswer = Schema.Struct({
  status: Schema.Literal("accepted"),
  server_time: Schema.String
}).annotations({ identifier: "HeartbeatAnswer" })
export type HeartbeatAnswer = typeof HeartbeatAnswer.Type
