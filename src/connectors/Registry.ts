/**
 * The connectors the platform ships, as SDK definitions. `scripts/switchboard connector <type>` and the
 * hub's SWITCHBOARD_CONNECTORS run the ones with a source face (the host composition, Connectors/Builtins.ts, provides
 * the services their layers name); the hub serves their push endpoints (src/http/PushRoutes.ts).
 */
import type { ConnectorDefinition, SourceHost } from "../../services/ConnectorDefinition.js"
import type { ActionsHost } from "./actions/ActionsFace.js"
import * as Actions from "./actions/Definitions.js"
import GmailDefinition, { type GmailHost } from "./gmail/Definition.js"
import OutlookDefinition from "./outlook/Definition.js"
import SandboxDefinition from "./sandbox/Definition.js"
import TelegramDefinition, { type TelegramHost } from "./telegram/Definition.js"

/** What the built-in sources need, together: the host composition provides what SourceHost does not. */
export type BuiltinHost = SourceHost | GmailHost | TelegramHost

/** Every built-in connector, by id. */
export const builtins: ReadonlyArray<ConnectorDefinition<BuiltinHost, ActionsHost>> = [
  GmailDefinition,
  OutlookDefinition,
  SandboxDefinition,
  TelegramDefinition,
  ...Actions.definitions
]

/** Source counters every runtime may report (reasons that are not a short word are folded into `other`). */
export const RUNTIME_COUNTERS = ["cursor_resets", "skipped.other", "degraded.other"]

/** Per source type, the heartbeat source counters /metrics exports (any other name stays in the registry row only). */
export const exportedSourceCounters: Readonly<Record<string, ReadonlyArray<string>>> = Object.fromEntries(
  builtins.flatMap((d) => d.source === undefined ? [] : [[d.id, [...RUNTIME_COUNTERS, ...(d.source.sourceCounters ?? [])]]])
)

/** Built-in connector types that have a source face (the ones `connector <type>` can run), sorted. */
export const types: ReadonlyArray<string> = builtins.filter((d) => d.source !== undefined).map((d) => d.id).sort()
