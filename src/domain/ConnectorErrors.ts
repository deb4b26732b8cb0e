/**
 * The errors every SDK connector shares (issue 11): the seed's `ConnectorResult(success=false)` split by
 * what the caller may do about it. They cross the CLI, HTTP and RPC boundaries, so they are
 * Schema.TaggedErrors; `message` never carries a payload value or a secret.
 */
import { Schema } from "effect"

/** No resource of that type and id in this tenant. */
export class ResourceNotFound extends Schema.TaggedError<ResourceNotFound>()("ResourceNotFound", {
  message: Schema.String,
  resource_type: Schema.String,
  resource_id: Schema.String
}) {}

/** A create found the id taken, or an update lost a race the connector detects. */
export class ResourceConflict extends Schema.TaggedError<ResourceConflict>()("ResourceConflict", {
  message: Schema.String,
  resource_type: Schema.String,
  resource_id: Schema.String
}) {}

/** The payload, filter, resource type or page token is not acceptable; `issues` names every bad path. */
export class ResourceInvalid extends Schema.TaggedError<ResourceInvalid>()("ResourceInvalid", {
  message: Schema.String,
  issues: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))
}) {}

/** An operation was called before `connect` (or after `disconnect`). */
export class ConnectorNotConnected extends Schema.TaggedError<ConnectorNotConnected>()("ConnectorNotConnected", {
  message: Schema.String,
  connector_id: Schema.String
}) {}

/**
 * The connector cannot serve now: its remote failed transiently (`transient: true`, retried by the
 * named policy), or its circuit breaker is open (`transient: false`, fail fast until it half-opens).
 */
export class ConnectorUnavailable extends Schema.TaggedError<ConnectorUnavailable>()("ConnectorUnavailable", {
  message: Schema.String,
  connector_id: Schema.String,
  transient: Schema.Boolean,
  /** When the caller may try again, if known (an open breaker's cool-down, a Retry-After). */
  retry_after_ms: Schema.optional(Schema.Number)
}) {}

/** The caller's role does not reach the operation's required role (CLI exit code 2). */
export class RoleDenied extends Schema.TaggedError<RoleDenied>()("RoleDenied", {
  message: Schema.String,
  required: Schema.String,
  /** The caller's role, or "none". */
  actual: Schema.String
}) {}

/** No connector registered under that id (or not in the registry's current state). */
export class ConnectorUnknown extends Schema.TaggedError<ConnectorUnknown>()("ConnectorUnknown", {
  message: Schema.String,
  connector_id: Schema.String
}) {}

/** The connector is registered but disabled: it is never started and takes no operation. */
export class ConnectorDisabled extends Schema.TaggedError<ConnectorDisabled>()("ConnectorDisabled", {
  message: Schema.String,
  connector_id: Schema.String
}) {}

/** A registered module could not be imported, or its export is not a valid ConnectorDefinition. */
export class ConnectorLoadFailed extends Schema.TaggedError<ConnectorLoadFailed>()("ConnectorLoadFailed", {
  message: Schema.String,
  connector_id: Schema.String,
  module: Schema.String
}) {}

/** What a resource operation may fail with. */
export type ResourceError =
  | ResourceNotFound
  | ResourceConflict
  | ResourceInvalid
  | ConnectorNotConnected
  | ConnectorUnavailable

/** Failures worth retrying with the named resource policy (src/policies.ts): never a denial or a bad payload. */
export const isTransientResourceError = (e: { readonly _tag: string; readonly transient?: boolean }): boolean =>
  e._tag === "ConnectorUnavailable" && e.transient === true
