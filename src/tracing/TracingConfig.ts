/**
 * Trace export settings from the standard OpenTelemetry environment variables, read once at start. Export
 * is on when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (the base URL:
 * `/v1/traces` is appended) is set, unless OTEL_SDK_DISABLED=true. A bad value fails the start with one
 * line naming the variable; header values are secrets and never appear in a message.
 */
import { parseKeyPairsIntoRecord } from "@opentelemetry/core"
import { Config, Data, Duration, Effect, Option, Redacted } from "effect"

/** A tracing variable holds a value that cannot be used. */
export class TracingConfigInvalid extends Data.TaggedError("TracingConfigInvalid")<{ readonly message: string }> {}

/** OTLP/HTTP encodings (gRPC is not spoken). */
export type Protocol = "http/protobuf" | "http/json"

/** Where and how spans are exported. */
export interface TracingSettings {
  /** The traces URL spans are POSTed to. */
  readonly url: string
  /** `service.name` of the spans' resource. */
  readonly serviceName: string
  /** Extra request headers (authentication for a hosted collector). */
  readonly headers: Redacted.Redacted<Readonly<Record<string, string>>>
  readonly protocol: Protocol
  /** Longest one export request may take. */
  readonly timeout: Duration.Duration
  /** How long spans wait in the buffer before they are sent (OTEL_BSP_SCHEDULE_DELAY). */
  readonly exportInterval: Duration.Duration
  /** Spans in the buffer that trigger an export at once (OTEL_BSP_MAX_EXPORT_BATCH_SIZE). */
  readonly maxBatchSize: number
}

const read = (name: string) =>
  Config.string(name).pipe(
    Config.option,
    Effect.map(Option.map((s) => s.trim())),
    Effect.map(Option.filter((s) => s !== "")),
    Effect.orElseSucceed(() => Option.none<string>())
  )

const readSecret = (name: string) =>
  Config.redacted(name).pipe(
    Config.option,
    Effect.map(Option.filter((s) => Redacted.value(s).trim() !== "")),
    Effect.orElseSucceed(() => Option.none<Redacted.Redacted>())
  )

/** The signal-specific variable if set, else the general one, with the name that was used. */
const either = (specific: string, general: string) =>
  Effect.zipWith(read(specific), read(general), (s, g) =>
    Option.orElse(Option.map(s, (value) => ({ name: specific, value })), () => Option.map(g, (value) => ({ name: general, value }))))

const fail = (message: string) => Effect.fail(new TracingConfigInvalid({ message }))

/** Checks an endpoint: an http(s) URL without credentials. */
export const checkUrl = (name: string, value: string): Effect.Effect<URL, TracingConfigInvalid> => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return fail(`${name} is not a URL (expected e.g. http://otel-collector:4318)`)
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return fail(`${name} must be an http:// or https:// URL (got ${url.protocol.slice(0, 16)})`)
  }
  if (url.username !== "" || url.password !== "") {
    return fail(`${name} must not carry credentials; put them in OTEL_EXPORTER_OTLP_HEADERS`)
  }
  return Effect.succeed(url)
}

/** The traces URL: a base endpoint gets `v1/traces` appended (OTLP exporter specification). */
const tracesUrl = (name: string, url: URL): string =>
  name === "OTEL_EXPORTER_OTLP_ENDPOINT"
    ? `${url.origin}${url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`}v1/traces${url.search}`
    : url.toString()

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** `key=value,key2=value2` with URL-encoded values; an entry that does not parse fails (its value is never shown). */
export const parseHeaders = (name: string, raw: Redacted.Redacted): Effect.Effect<Record<string, string>, TracingConfigInvalid> => {
  const entries = Redacted.value(raw).split(",").map((e) => e.trim()).filter((e) => e !== "")
  const headers: Record<string, string> = {}
  for (const [i, entry] of entries.entries()) {
    const parsed = Object.entries(parseKeyPairsIntoRecord(entry))
    const header = parsed[0]
    if (header === undefined || parsed.length !== 1) {
      return fail(`${name}: entry ${i + 1} is not key=value (comma-separated, values URL-encoded)`)
    }
    if (!HEADER_NAME.test(header[0])) return fail(`${name}: entry ${i + 1} does not name a valid HTTP header`)
    headers[header[0].toLowerCase()] = header[1]
  }
  return Effect.succeed(headers)
}

const positiveInteger = (name: string, fallback: number) =>
  Effect.flatMap(read(name), Option.match({
    onNone: () => Effect.succeed(fallback),
    onSome: (s) => /^[1-9][0-9]{0,8}$/.test(s) ? Effect.succeed(Number(s)) : fail(`${name} must be a positive whole number (got ${JSON.stringify(s.slice(0, 20))})`)
  }))

const protocolOf = Effect.flatMap(either("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"), Option.match({
  onNone: () => Effect.succeed<Protocol>("http/protobuf"),
  onSome: ({ name, value }) =>
    value === "http/protobuf" || value === "http/json"
      ? Effect.succeed<Protocol>(value)
      : fail(`${name} must be http/protobuf or http/json (got ${JSON.stringify(value.slice(0, 20))}; gRPC is not supported)`)
}))

const headersOf = Effect.gen(function*() {
  const general = yield* readSecret("OTEL_EXPORTER_OTLP_HEADERS")
  const specific = yield* readSecret("OTEL_EXPORTER_OTLP_TRACES_HEADERS")
  const base = Option.isSome(general) ? yield* parseHeaders("OTEL_EXPORTER_OTLP_HEADERS", general.value) : {}
  const own = Option.isSome(specific) ? yield* parseHeaders("OTEL_EXPORTER_OTLP_TRACES_HEADERS", specific.value) : {}
  return Redacted.make<Readonly<Record<string, string>>>({ ...base, ...own })
})

/**
 * The export settings, or None when no endpoint is set (or OTEL_SDK_DISABLED=true). `defaultServiceName`
 * applies when OTEL_SERVICE_NAME is unset.
 */
export const fromEnv = (defaultServiceName: string): Effect.Effect<Option.Option<TracingSettings>, TracingConfigInvalid> =>
  Effect.gen(function*() {
    const disabled = yield* read("OTEL_SDK_DISABLED")
    if (Option.getOrElse(disabled, () => "").toLowerCase() === "true") return Option.none()
    const endpoint = yield* either("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
    if (Option.isNone(endpoint)) return Option.none()
    const { name, value } = endpoint.value
    const url = tracesUrl(name, yield* checkUrl(name, value))
    const serviceName = Option.getOrElse(yield* read("OTEL_SERVICE_NAME"), () => defaultServiceName)
    const timeoutMs = yield* Effect.flatMap(read("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"), Option.match({
      onNone: () => positiveInteger("OTEL_EXPORTER_OTLP_TIMEOUT", 10_000),
      onSome: () => positiveInteger("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", 10_000)
    }))
    return Option.some<TracingSettings>({
      url,
      serviceName,
      headers: yield* headersOf,
      protocol: yield* protocolOf,
      timeout: Duration.millis(timeoutMs),
      exportInterval: Duration.millis(yield* positiveInteger("OTEL_BSP_SCHEDULE_DELAY", 5_000)),
      maxBatchSize: yield* positiveInteger("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512)
    })
  })

/** Where spans go, for a log line: scheme, host and path, never a query string. */
export const describeUrl = (url: string): string => {
  const u = new URL(url)
  return `${u.origin}${u.pathname}`
}
