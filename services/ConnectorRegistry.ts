/**
 * The connector registry (issue 11): an append-only event log in Postgres (register, enable, disable,
 * configure) whose last event per connector is its current state, with who did it and when. Every call
 * appends its event, also one that changes nothing (an audit trail); concurrent writers never lose one.
 * Loading turns a current, enabled entry into its ConnectorDefinition: a built-in by id, or a module
 * imported by path (relative to the working directory) or package name and checked against the SDK's
 * schema.
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type {
  ConnectorDisabled,
  ConnectorLoadFailed,
  ConnectorUnknown,
  ResourceInvalid
} from "../src/domain/ConnectorErrors.js"
import type { Unavailable } from "../src/domain/Errors.js"
import type { ConnectorDefinition } from "./ConnectorDefinition.js"

/** The seed's JSONL registry entry, field for field (`connectors export --jsonl`). */
export const RegistryEntry = Schema.Struct({
  connector_id: Schema.String,
  /** `builtin:<id>` for the hub's own connectors, else a path (`./my-connector.ts`) or package name. */
  module: Schema.String,
  /** The module's export holding the definition (`default` for `export default`). */
  class_name: Schema.String,
  enabled: Schema.Boolean,
  auth_type: Schema.String,
  scopes: Schema.Array(Schema.String),
  /** ISO-8601 UTC. */
  created_at: Schema.String,
  updated_at: Schema.String
}).annotations({ identifier: "RegistryEntry" })
export type RegistryEntry = typeof RegistryEntry.Type

export const RegistryEventKind = Schema.Literal("register", "enable", "disable", "configure")
export type RegistryEventKind = typeof RegistryEventKind.Type

/** One row of the audit trail. */
export const RegistryEvent = Schema.Struct({
  /** Position in the log (strictly increasing). */
  seq: Schema.Number,
  connector_id: Schema.String,
  kind: RegistryEventKind,
  /** Token id of the caller, `system` for the built-ins registered at first start, `local-admin` for the CLI without a token. */
  actor: Schema.String,
  at: Schema.String,
  /** Whether this event changed the current state. */
  changed: Schema.Boolean,
  /** The entry as it stood after this event. */
  entry: RegistryEntry
}).annotations({ identifier: "RegistryEvent" })
export type RegistryEvent = typeof RegistryEvent.Type

export interface RegisterInput {
  readonly connector_id: string
  readonly module: string
  readonly class_name: string
  readonly auth_type: string
  readonly scopes: ReadonlyArray<string>
  /** Default true. */
  readonly enabled?: boolean
}

export interface ConfigurePatch {
  readonly module?: string
  readonly class_name?: string
  readonly auth_type?: string
  readonly scopes?: ReadonlyArray<string>
}

export interface ConnectorRegistryService {
  /** Ids of the built-in connectors this hub ships (registered at first start as `builtin:<id>`). */
  readonly builtinIds: ReadonlyArray<string>
  /** Appends a register event (a re-register replaces module, class, auth type and scopes). */
  readonly register: (input: RegisterInput, actor: string) => Effect.Effect<RegistryEntry, ResourceInvalid | Unavailable>
  readonly setEnabled: (id: string, enabled: boolean, actor: string) => Effect.Effect<RegistryEntry, ConnectorUnknown | Unavailable>
  readonly configure: (id: string, patch: ConfigurePatch, actor: string) => Effect.Effect<RegistryEntry, ConnectorUnknown | ResourceInvalid | Unavailable>
  readonly current: (id: string) => Effect.Effect<Option.Option<RegistryEntry>, Unavailable>
  /** Current state of every connector, by id. */
  readonly list: Effect.Effect<ReadonlyArray<RegistryEntry>, Unavailable>
  /** Every event of one connector, oldest first. */
  readonly history: (id: string) => Effect.Effect<ReadonlyArray<RegistryEvent>, ConnectorUnknown | Unavailable>
  /** The definition of a registered, enabled connector (imported and checked once per process). */
  readonly load: (id: string) => Effect.Effect<
    ConnectorDefinition,
    ConnectorUnknown | ConnectorDisabled | ConnectorLoadFailed | Unavailable
  >
}

export class ConnectorRegistry extends Context.Tag("switchboard/ConnectorRegistry")<
  ConnectorRegistry,
  ConnectorRegistryService
>() {}
