/**
 * The action log (issue 10): one JSON line per action call, in ACTIONS_LOG_PATH and in the hub's log
 * stream. An entry has only the fields below: never a key, secret, address, message text or Notion
 * property; external ids masked (src/actions/Mask.ts).
 */
import { Context, type Effect } from "effect"

export interface ActionLogEntry {
  /** When the call ended, RFC 3339 UTC. */
  readonly ts: string
  /** Token id, `anon_<hash>`, or `unknown` when the call was refused before it was authenticated. */
  readonly caller: string
  /** The action name, or `unknown` for a name that is not an action. */
  readonly action: string
  /** email, notion, sheets, slack, telegram, or `unknown`. */
  readonly connector: string
  /** sent, created, appended, replayed, or error. */
  readonly status: string
  /** Milliseconds from the call's start to its answer. */
  readonly ms: number
  /** Always true: ids in the entry are masked. */
  readonly ids_masked: true
  /** The provider's id of what it made, masked. */
  readonly external_id?: string
  /** The seed's error code (rate_limited, upstream_error, …) of a failed call. */
  readonly error?: string
  /** The provider's HTTP status of a failed call, when it answered. */
  readonly upstream_status?: number
}

export interface ActionLogService {
  /** Queues the entry for the file and logs it at info; never fails. */
  readonly write: (entry: ActionLogEntry) => Effect.Effect<void>
}

export class ActionLog extends Context.Tag("switchboard/ActionLog")<ActionLog, ActionLogService>() {}
