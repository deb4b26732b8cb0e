/**
 * A connector's settings (DESIGN.md §8, the operations runbook), read once when the layer is built so a
 * missing or bad variable fails at start with one line naming it. When the hub hosts several
 * connectors, each reads `<TYPE>_<NAME>` first and falls back to `<NAME>` (see `providerFor`).
 */
import { Config, ConfigProvider, Context, Duration, Effect, Layer, type Option, Redacted } from "effect"

export interface ConnectorConfigShape {
  /** The endpoint this instance serves: bot username, mailbox, … (CONNECTOR_ENDPOINT_IDENTITY). */
  readonly endpointIdentity: string
  /** The checkpoint file (CONNECTOR_CURSOR_PATH). */
  readonly cursorPath: string
  /** Rejected events are appended here as NDJSON (CONNECTOR_DEAD_LETTER_PATH, default `<cursor path>.dead-letter.ndjson`). */
  readonly deadLetterPath: string
  /** Pause between polls that found nothing (CONNECTOR_POLL_INTERVAL_S, default 1). */
  readonly pollInterval: Duration.Duration
  /** Ingest submissions in flight at once (CONNECTOR_MAX_INFLIGHT, default 8). */
  readonly maxInflight: number
  /** Push mode when set: the source delivers to this URL (CONNECTOR_WEBHOOK_URL). */
  readonly webhookUrl: Option.Option<string>
  /** Content-addressed media store (CONNECTOR_BLOB_STORE_DIR, default `.blobs`). */
  readonly blobStoreDir: string
  /** Heartbeat period (CONNECTOR_HEARTBEAT_INTERVAL_S, default 120, clamped to 30–300). */
  readonly heartbeatInterval: Duration.Duration
  /** Send heartbeats at all (CONNECTOR_HEARTBEAT_ENABLED, default true). */
  readonly heartbeatEnabled: boolean
  /** How long SIGTERM waits for the current batch before saving what was accepted (CONNECTOR_SHUTDOWN_GRACE_S, default 30). */
  readonly shutdownGrace: Duration.Duration
}

const positiveSeconds = (name: string, fallback: number) =>
  Config.number(name).pipe(
    Config.validate({ message: `${name} must be a number of seconds > 0`, validation: (s) => s > 0 }),
    Config.withDefault(fallback),
    Config.map((s) => Duration.millis(Math.round(s * 1000)))
  )

/** CONNECTOR_HEARTBEAT_INTERVAL_S, clamped to DESIGN.md §5.4's 30–300 s. */
export const clampHeartbeatSeconds = (s: number): number => Math.min(300, Math.max(30, s))

export const ConnectorConfigFromEnv: Config.Config<ConnectorConfigShape> = Config.all({
  endpointIdentity: Config.nonEmptyString("CONNECTOR_ENDPOINT_IDENTITY"),
  cursorPath: Config.nonEmptyString("CONNECTOR_CURSOR_PATH"),
  deadLetterPath: Config.option(Config.nonEmptyString("CONNECTOR_DEAD_LETTER_PATH")),
  pollInterval: positiveSeconds("CONNECTOR_POLL_INTERVAL_S", 1),
  maxInflight: Config.integer("CONNECTOR_MAX_INFLIGHT").pipe(
    Config.validate({ message: "CONNECTOR_MAX_INFLIGHT must be 1 to 500", validation: (n) => n >= 1 && n <= 500 }),
    Config.withDefault(8)
  ),
  webhookUrl: Config.option(Config.nonEmptyString("CONNECTOR_WEBHOOK_URL")),
  blobStoreDir: Config.nonEmptyString("CONNECTOR_BLOB_STORE_DIR").pipe(Config.withDefault(".blobs")),
  heartbeatInterval: Config.number("CONNECTOR_HEARTBEAT_INTERVAL_S").pipe(
    Config.withDefault(120),
    Config.map((s) => Duration.seconds(clampHeartbeatSeconds(s)))
  ),
  heartbeatEnabled: Config.boolean("CONNECTOR_HEARTBEAT_ENABLED").pipe(Config.withDefault(true)),
  shutdownGrace: positiveSeconds("CONNECTOR_SHUTDOWN_GRACE_S", 30)
}).pipe(
  Config.map(({ deadLetterPath, ...rest }) => ({
    ...rest,
    deadLetterPath: deadLetterPath._tag === "Some" ? deadLetterPath.value : `${rest.cursorPath}.dead-letter.ndjson`
  }))
)

/** Where a connector process finds the hub (required unless the hub hosts the connector). */
export const SwitchboardUrlConfig = Config.nonEmptyString("SWITCHBOARD_URL")
/**
 * A secret read as Redacted. Not `Config.redacted`: that one also redacts its "missing" message, so the
 * start-up error would not name the variable.
 */
const secret = (name: string): Config.Config<Redacted.Redacted<string>> =>
  Config.nonEmptyString(name).pipe(Config.map(Redacted.make))
/** The connector's bearer token for the hub. */
export const SwitchboardTokenConfig = secret("SWITCHBOARD_API_TOKEN")
/** The Telegram bot token (telegram connector only). */
export const TelegramTokenConfig = secret("BUTLER_TELEGRAM_TOKEN")

/** Settings of one hosted connector: `<TYPE>_NAME` wins over `NAME` (e.g. SANDBOX_CONNECTOR_CURSOR_PATH). */
export const providerFor = (connectorType: string, base: ConfigProvider.ConfigProvider): ConfigProvider.ConfigProvider =>
  base.pipe(ConfigProvider.nested(connectorType.toUpperCase()), ConfigProvider.orElse(() => base))

export class ConnectorConfig extends Context.Tag("switchboard/ConnectorConfig")<ConnectorConfig, ConnectorConfigShape>() {
  /** Read from the process environment. */
  static readonly layer = Layer.effect(ConnectorConfig, Effect.map(ConnectorConfigFromEnv, (c) => ConnectorConfig.of(c)))
}
