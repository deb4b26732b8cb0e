/**
 * A connector's settings (DESIGN.md §8, the operations runbook), read once before the connector starts
 * so every missing or bad variable is reported at once, one line each, naming the variable.
 *
 * Naming: a connector process reads `CONNECTOR_<NAME>`. A connector hosted by the hub reads
 * `<TYPE>_CONNECTOR_<NAME>` first and `CONNECTOR_<NAME>` as the fallback; when the hub hosts several
 * connectors, the variables that belong to one instance (`OWN_SETTINGS`: its checkpoint and dead-letter
 * files, webhook URL, provider, channel) must carry the prefix, and an unprefixed one is refused as
 * ambiguous. A prefixed variable that is set but invalid is an error, never a reason to fall back.
 */
import { Config, ConfigError, Context, Duration, Either, Option, Redacted, Schema } from "effect"

export interface ConnectorConfigShape {
  /** The endpoint this instance serves: bot username, mailbox, … (CONNECTOR_ENDPOINT_IDENTITY). */
  readonly endpointIdentity: string
  /**
   * Where the checkpoint lives (CONNECTOR_CURSOR_STORE): `hub` (Postgres, committed with each batch, issue 15;
   * the default for connectors the hub hosts) or `file` (the default for a connector process).
   */
  readonly cursorStore: CursorStore
  /** The checkpoint file (CONNECTOR_CURSOR_PATH): required with the file store, unused with the hub's. */
  readonly cursorPath: Option.Option<string>
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

export type CursorStore = "file" | "hub"

/** Which connector the settings are for, and where it runs. */
export interface ConnectorScope {
  /** The registered type, e.g. "telegram"; its upper case is the hosted prefix (TELEGRAM_). */
  readonly connectorType: string
  /** The channel it submits; CONNECTOR_CHANNEL must equal it when set. */
  readonly channel: string
  /** The provider it submits; CONNECTOR_PROVIDER must equal it when set. */
  readonly provider: string
  /** Every SWITCHBOARD_CONNECTORS entry the hub hosts (`telegram`, `sandbox:a`), this one included; empty for a connector process. */
  readonly hostedWith: ReadonlyArray<string>
  /** This connector's entry when hosted, if it is not just the type (`sandbox:a`: variables `SANDBOX_A_CONNECTOR_…`). */
  readonly entry?: string | undefined
  /** Where the hub keeps its files (dead letters of hosted connectors without a cursor file). */
  readonly dataDir?: string | undefined
}

/** Settings of one instance: with several hosted connectors only `<TYPE>_CONNECTOR_<NAME>` is read. */
export const OWN_SETTINGS = [
  "CONNECTOR_CURSOR_PATH",
  "CONNECTOR_DEAD_LETTER_PATH",
  "CONNECTOR_WEBHOOK_URL",
  "CONNECTOR_PROVIDER",
  "CONNECTOR_CHANNEL"
] as const

/** The connector settings are missing or invalid; `problems` has one line per variable. */
export class ConnectorConfigInvalid extends Schema.TaggedError<ConnectorConfigInvalid>()("ConnectorConfigInvalid", {
  problems: Schema.Array(Schema.String)
}) {
  override get message() {
    const n = this.problems.length
    return [`connector configuration is invalid (${n} problem${n === 1 ? "" : "s"}):`, ...this.problems.map((p) => `  ${p}`)]
      .join("\n")
  }
}

const prefixed = (prefix: string, name: string) => `${prefix}_${name}`

/** The variable prefix of a SWITCHBOARD_CONNECTORS entry: `telegram` → TELEGRAM, `sandbox:a` → SANDBOX_A (`-` becomes `_`). */
export const prefixOf = (entry: string) => entry.replaceAll(/[:-]/g, "_").toUpperCase()

/** The variables `name` is read from for `scope`, in order. */
export const candidates = (scope: ConnectorScope, name: string): ReadonlyArray<string> => {
  if (scope.hostedWith.length === 0) return [name]
  const own = (OWN_SETTINGS as ReadonlyArray<string>).includes(name)
  const mine = prefixed(prefixOf(scope.entry ?? scope.connectorType), name)
  return own && scope.hostedWith.length > 1 ? [mine] : [mine, name]
}

interface Found {
  readonly name: string
  readonly value: string
}

type Parse<A> = (found: Found) => Either.Either<A, ConfigError.ConfigError>

const invalid = (message: string) => ConfigError.InvalidData([], message)

/** The first of `names` that is set. */
const lookup = (names: ReadonlyArray<string>): Config.Config<Option.Option<Found>> =>
  Config.all(names.map((name) =>
    Config.option(Config.string(name)).pipe(Config.map(Option.map((value): Found => ({ name, value }))))
  )).pipe(Config.map(Option.firstSomeOf))

const label = (names: ReadonlyArray<string>) =>
  names.length === 1 ? names[0]! : `${names[0]} (or ${names.slice(1).join(" or ")})`

const required = <A>(names: ReadonlyArray<string>, parse: Parse<A>): Config.Config<A> =>
  Config.mapOrFail(lookup(names), Option.match({
    onNone: () => Either.left(ConfigError.MissingData([], `${label(names)} is missing`)),
    onSome: parse
  }))

const optional = <A>(names: ReadonlyArray<string>, parse: Parse<A>): Config.Config<Option.Option<A>> =>
  Config.mapOrFail(lookup(names), Option.match({
    onNone: () => Either.right(Option.none<A>()),
    onSome: (found) => Either.map(parse(found), Option.some)
  }))

const withDefault = <A>(names: ReadonlyArray<string>, parse: Parse<A>, fallback: A): Config.Config<A> =>
  optional(names, parse).pipe(Config.map(Option.getOrElse(() => fallback)))

const text: Parse<string> = ({ name, value }) =>
  value.trim() === "" ? Either.left(invalid(`${name} is set but empty`)) : Either.right(value.trim())

const number = (what: string, valid: (n: number) => boolean): Parse<number> => ({ name, value }) => {
  const n = value.trim() === "" ? Number.NaN : Number(value)
  return Number.isFinite(n) && valid(n) ? Either.right(n) : Either.left(invalid(`${name} must be ${what} (got "${value}")`))
}

const seconds: Parse<Duration.Duration> = (found) =>
  Either.map(number("a number of seconds > 0", (s) => s > 0)(found), (s) => Duration.millis(Math.round(s * 1000)))

const TRUE = ["true", "yes", "on", "1"]
const FALSE = ["false", "no", "off", "0"]
const boolean: Parse<boolean> = ({ name, value }) => {
  const v = value.trim().toLowerCase()
  if (TRUE.includes(v)) return Either.right(true)
  if (FALSE.includes(v)) return Either.right(false)
  return Either.left(invalid(`${name} must be true or false (got "${value}")`))
}

const url: Parse<string> = (found) =>
  Either.flatMap(text(found), (value) =>
    URL.canParse(value) ? Either.right(value) : Either.left(invalid(`${found.name} must be an absolute URL (got "${value}")`)))

/** CONNECTOR_PROVIDER / CONNECTOR_CHANNEL (runbook): optional, but when set they must be what this connector submits. */
const expected = (scope: ConnectorScope, what: "provider" | "channel", wanted: string): Parse<string> => ({ name, value }) =>
  value.trim() === wanted
    ? Either.right(wanted)
    : Either.left(invalid(`${name} is "${value}", but the ${scope.connectorType} connector's ${what} is "${wanted}"`))

/** CONNECTOR_HEARTBEAT_INTERVAL_S, clamped to DESIGN.md §5.4's 30–300 s. */
export const clampHeartbeatSeconds = (s: number): number => Math.min(300, Math.max(30, s))

/** Every CONNECTOR_* setting of one connector, named as `scope` says. */
export const connectorConfig = (scope: ConnectorScope): Config.Config<ConnectorConfigShape> => {
  const names = (name: string) => candidates(scope, name)
  const hosted = scope.hostedWith.length > 0
  const storeNames = names("CONNECTOR_CURSOR_STORE")
  const pathNames = names("CONNECTOR_CURSOR_PATH")
  const cursorStore: Parse<CursorStore> = ({ name, value }) =>
    value.trim() === "file" || value.trim() === "hub"
      ? Either.right(value.trim() as CursorStore)
      : Either.left(invalid(`${name} must be "file" or "hub" (got "${value.slice(0, 40)}")`))
  const checkpoint = Config.mapOrFail(
    Config.all([withDefault(storeNames, cursorStore, hosted ? "hub" : "file"), optional(pathNames, text)]),
    ([store, path]) =>
      store === "file" && Option.isNone(path)
        ? Either.left(ConfigError.MissingData([], `${label(pathNames)} is missing (or set ${storeNames[0]}=hub to keep the cursor in the hub)`))
        : Either.right({ cursorStore: store, cursorPath: path })
  )
  return Config.all({
    endpointIdentity: required(names("CONNECTOR_ENDPOINT_IDENTITY"), text),
    checkpoint,
    deadLetterPath: optional(names("CONNECTOR_DEAD_LETTER_PATH"), text),
    pollInterval: withDefault(names("CONNECTOR_POLL_INTERVAL_S"), seconds, Duration.seconds(1)),
    maxInflight: withDefault(
      names("CONNECTOR_MAX_INFLIGHT"),
      number("an integer from 1 to 500", (n) => Number.isInteger(n) && n >= 1 && n <= 500),
      8
    ),
    webhookUrl: optional(names("CONNECTOR_WEBHOOK_URL"), url),
    blobStoreDir: withDefault(names("CONNECTOR_BLOB_STORE_DIR"), text, ".blobs"),
    heartbeatSeconds: withDefault(names("CONNECTOR_HEARTBEAT_INTERVAL_S"), number("a number of seconds", () => true), 120),
    heartbeatEnabled: withDefault(names("CONNECTOR_HEARTBEAT_ENABLED"), boolean, true),
    shutdownGrace: withDefault(names("CONNECTOR_SHUTDOWN_GRACE_S"), seconds, Duration.seconds(30)),
    provider: optional(names("CONNECTOR_PROVIDER"), expected(scope, "provider", scope.provider)),
    channel: optional(names("CONNECTOR_CHANNEL"), expected(scope, "channel", scope.channel))
  }).pipe(
    Config.map(({ channel: _channel, checkpoint, deadLetterPath, heartbeatSeconds, provider: _provider, ...rest }) => ({
      ...rest,
      ...checkpoint,
      heartbeatInterval: Duration.seconds(clampHeartbeatSeconds(heartbeatSeconds)),
      deadLetterPath: Option.getOrElse(deadLetterPath, () =>
        Option.match(checkpoint.cursorPath, {
          onSome: (path) => `${path}.dead-letter.ndjson`,
          onNone: () => `${scope.dataDir ?? "."}/dead-letters/${prefixOf(scope.entry ?? scope.connectorType).toLowerCase()}.ndjson`
        }))
    }))
  )
}

/** Where a connector process serves its probe (`GET /health`, `GET /metrics`). */
export interface ProbeAddress {
  /** CONNECTOR_HTTP_HOST, default 127.0.0.1 (loopback: reachable only from this machine). */
  readonly host: string
  /** CONNECTOR_HTTP_PORT, 1–65535. */
  readonly port: number
}

/**
 * CONNECTOR_HTTP_PORT / CONNECTOR_HTTP_HOST of a connector process: the probe is off (None) unless the
 * port is set. Hosted connectors never read these (the hub has /ready and /metrics).
 */
export const probeConfig: Config.Config<Option.Option<ProbeAddress>> = Config.all({
  port: optional(["CONNECTOR_HTTP_PORT"], number("a port number from 1 to 65535", (n) => Number.isInteger(n) && n >= 1 && n <= 65535)),
  host: withDefault(["CONNECTOR_HTTP_HOST"], text, "127.0.0.1")
}).pipe(Config.map(({ host, port }) => Option.map(port, (port): ProbeAddress => ({ host, port }))))

/**
 * With several hosted connectors, an unprefixed instance setting cannot say whose it is: each one set
 * is a problem naming the prefixed variables to use instead.
 */
export const unambiguous = (hosted: ReadonlyArray<string>): Config.Config<void> =>
  hosted.length < 2 ? Config.succeed(undefined) : Config.all(OWN_SETTINGS.map((name) =>
    Config.mapOrFail(lookup([name]), Option.match({
      onNone: () => Either.right(undefined),
      onSome: () =>
        Either.left(invalid(
          `${name} is ambiguous when the hub runs several connectors (${hosted.join(", ")}): set ` +
            `${hosted.map((t) => prefixed(prefixOf(t), name)).join(", ")} instead`
        ))
    }))
  )).pipe(Config.map(() => undefined))

/** One line per failed variable, in reading order, each naming it. */
export const problemsOf = (error: ConfigError.ConfigError): ReadonlyArray<string> => {
  switch (error._op) {
    case "And":
    case "Or":
      return [...new Set([...problemsOf(error.left), ...problemsOf(error.right)])]
    case "MissingData": {
      const name = error.path.join("_")
      return [name === "" ? error.message : `${name} is missing`]
    }
    case "InvalidData":
    case "SourceUnavailable":
    case "Unsupported": {
      const name = error.path.join("_")
      return [name === "" || error.message.startsWith(name) ? error.message : `${name}: ${error.message}`]
    }
  }
}

export const toInvalid = (error: ConfigError.ConfigError) => new ConnectorConfigInvalid({ problems: problemsOf(error) })

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

export class ConnectorConfig extends Context.Tag("switchboard/ConnectorConfig")<ConnectorConfig, ConnectorConfigShape>() {}

/** One hosted connector and its checked settings. */
export interface HostedConnector {
  readonly connectorType: string
  /** The entry of SWITCHBOARD_CONNECTORS: `telegram`, or `sandbox:a` for a second instance of a type. */
  readonly entry: string
  readonly config: ConnectorConfigShape
}

/** A SWITCHBOARD_CONNECTORS entry whose type is not a built-in: a registered connector, resolved once the registry can be read. */
export interface RegisteredEntry {
  /** The registry id (the entry's type). */
  readonly connectorType: string
  /** The entry of SWITCHBOARD_CONNECTORS: `crm`, or `crm:eu` for a second instance. */
  readonly entry: string
}

/** SWITCHBOARD_CONNECTORS as far as it can be checked before the database. */
export interface HostedEntries {
  /** The built-ins, with their checked settings. */
  readonly builtins: ReadonlyArray<HostedConnector>
  /** The registered connectors, whose settings are checked when their definitions are loaded. */
  readonly registered: ReadonlyArray<RegisteredEntry>
  /** Every well-formed entry, built-in or registered, in order (each one's variable names depend on them all). */
  readonly entries: ReadonlyArray<string>
  /** SWITCHBOARD_DATA_DIR (dead letters of hosted connectors without a cursor file). */
  readonly dataDir: string
}

/** The connectors the hub runs (SWITCHBOARD_CONNECTORS), checked before the hub listens. */
export class HostedConnectors extends Context.Tag("switchboard/HostedConnectors")<HostedConnectors, HostedEntries>() {}
