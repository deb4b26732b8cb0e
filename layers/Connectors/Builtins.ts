/**
 * The built-in connectors as hosts run them: the definitions of src/connectors/Registry.ts with the
 * implementations of the services their source and actions layers name (TelegramLive.ts, GmailLive.ts, ActionConnectors.ts).
 */
import type { ConnectorDefinition, SourceFace } from "../../services/ConnectorDefinition.js"
import OutlookDefinition from "../../src/connectors/outlook/Definition.js"
import SandboxDefinition from "../../src/connectors/sandbox/Definition.js"
import * as ActionConnectors from "./ActionConnectors.js"
import * as GmailLive from "./GmailLive.js"
import * as TelegramLive from "./TelegramLive.js"

/** Every built-in connector, ready to run on what a host provides (SourceHost, ResourceHost). */
export const builtins: ReadonlyArray<ConnectorDefinition> = [
  GmailLive.definition,
  OutlookDefinition,
  SandboxDefinition,
  TelegramLive.definition,
  ...ActionConnectors.definitions
]

/** A built-in that can run as a source. */
export interface RunnableSource {
  readonly definition: ConnectorDefinition
  readonly source: SourceFace
}

/** The built-ins with a source face, by id. */
export const sources: ReadonlyMap<string, RunnableSource> = new Map(
  builtins.flatMap((definition) => definition.source === undefined ? [] : [[definition.id, { definition, source: definition.source }] as const])
)
