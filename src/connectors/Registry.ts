/**
 * Every source connector type the platform can run, by name. `scripts/switchboard connector <type>` and
 * the hub's SWITCHBOARD_CONNECTORS look types up here; each connector module adds its own entry.
 */
import type { FileSystem, HttpClient, Path } from "@effect/platform"
import type { Config, ConfigError, Layer } from "effect"
import type { Channel, Provider } from "../domain/Envelope.js"
import type { ConnectorConfig } from "../../services/ConnectorConfig.js"
import type { ConnectorStartFailed, SourceConnector } from "../../services/SourceConnector.js"
import * as GmailConnector from "./gmail/GmailConnector.js"
import * as GmailLayer from "./gmail/GmailLayer.js"
import * as SandboxConnector from "./sandbox/SandboxConnector.js"
import * as TelegramConnector from "./telegram/TelegramConnector.js"

/** What the host (a connector process or the hub) provides to a connector's layer. */
export type ConnectorHost = ConnectorConfig | HttpClient.HttpClient | FileSystem.FileSystem | Path.Path

export interface ConnectorEntry {
  /** Channel of every envelope it submits (the in-process principal is scoped to it). */
  readonly channel: Channel
  /** Provider of every envelope it submits. */
  readonly provider: Provider
  /**
   * Its own settings (SANDBOX_*, BUTLER_TELEGRAM_TOKEN, …), read as named (no prefix): checked with the
   * CONNECTOR_* settings before anything starts, so every bad variable is reported at once.
   */
  readonly settings: Config.Config<unknown>
  /** Builds the source from its environment (its own settings are read again when the layer is built). */
  readonly layer: Layer.Layer<SourceConnector, ConnectorStartFailed | ConfigError.ConfigError, ConnectorHost>
  /** Names of its own heartbeat source counters (and `skipped.<reason>` it uses) that /metrics exports. */
  readonly sourceCounters?: ReadonlyArray<string>
}

export const registry: Readonly<Record<string, ConnectorEntry>> = {
  gmail: {
    channel: "email",
    provider: "gmail",
    settings: GmailLayer.settings,
    layer: GmailLayer.layer,
    sourceCounters: [...GmailConnector.COUNTERS, ...GmailConnector.SKIP_REASONS.map((r) => `skipped.${r}`), ...GmailConnector.DEGRADATIONS]
  },
  sandbox: { channel: "sandbox", provider: "sandbox", settings: SandboxConnector.SandboxConfig, layer: SandboxConnector.layer },
  telegram: { channel: "telegram", provider: "telegram", settings: TelegramConnector.settings, layer: TelegramConnector.layer }
}

/** Source counters every runtime may report (reasons that are not a short word are folded into `other`). */
const RUNTIME_COUNTERS = ["cursor_resets", "skipped.other", "degraded.other"]

/** Per type, the heartbeat source counters /metrics exports (any other name stays in the registry row only). */
export const exportedSourceCounters: Readonly<Record<string, ReadonlyArray<string>>> = Object.fromEntries(
  Object.entries(registry).map(([type, entry]) => [type, [...RUNTIME_COUNTERS, ...(entry.sourceCounters ?? [])]])
)

/** Registered connector types, sorted. */
export const types: ReadonlyArray<string> = Object.keys(registry).sort()
