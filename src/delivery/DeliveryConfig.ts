/** Settings of the delivery worker (SWITCHBOARD_DELIVERY_*), read once when the worker layer is built. */
import { Config, Duration } from "effect"
import * as Breaker from "../sdk/Breaker.js"
import * as RetryPolicy from "./RetryPolicy.js"

export interface DeliveryOptions {
  /** Run the worker in this process (SWITCHBOARD_DELIVERY_ENABLED, default true). */
  readonly enabled: boolean
  /** Wait between claims when nothing was due. */
  readonly pollInterval: Duration.Duration
  /** Deliveries in flight at once in this process. */
  readonly concurrency: number
  /** Time allowed for one HTTP attempt. */
  readonly requestTimeout: Duration.Duration
  /** How long a claim holds a row; an unfinished claim (crash) is delivered again after it. */
  readonly lease: Duration.Duration
  /** Outcomes written per database round trip at most. */
  readonly recordBatch: number
  /** How often outbox depth and unreplayed dead letters are sampled into gauges. */
  readonly depthInterval: Duration.Duration
  /** Retries and dead-lettering. */
  readonly retry: RetryPolicy.RetryPolicy
  /** The circuit breaker per target: consecutive failed attempts that open it, and its cool-down. */
  readonly breaker: Breaker.Options
  /**
   * Deliver to loopback and private addresses (SWITCHBOARD_DELIVERY_ALLOW_PRIVATE; default true only on
   * the embedded database, for local development). Link-local and metadata addresses are never allowed.
   */
  readonly allowPrivate: boolean
  /** The hub's own port: a loopback target on it is refused (a delivery loop), private allowed or not. */
  readonly hubPort: number | null
}

export const defaults: DeliveryOptions = {
  enabled: true,
  pollInterval: Duration.millis(250),
  concurrency: 64,
  requestTimeout: Duration.seconds(10),
  lease: Duration.seconds(60),
  recordBatch: 256,
  depthInterval: Duration.seconds(5),
  retry: RetryPolicy.defaults,
  breaker: Breaker.defaults,
  allowPrivate: false,
  hubPort: null
}

const duration = (name: string, fallback: Duration.Duration) =>
  Config.duration(name).pipe(Config.withDefault(fallback))

const positive = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `${name} must be a positive integer`, validation: (n) => n > 0 }),
    Config.withDefault(fallback)
  )

/** SWITCHBOARD_DELIVERY_ALLOW_PRIVATE when set; unset, the caller decides from the database kind. */
export const AllowPrivateFromEnv = Config.option(Config.boolean("SWITCHBOARD_DELIVERY_ALLOW_PRIVATE"))

export const FromEnv: Config.Config<Omit<DeliveryOptions, "allowPrivate" | "hubPort">> = Config.all({
  enabled: Config.boolean("SWITCHBOARD_DELIVERY_ENABLED").pipe(Config.withDefault(defaults.enabled)),
  pollInterval: duration("SWITCHBOARD_DELIVERY_POLL_INTERVAL", defaults.pollInterval),
  concurrency: positive("SWITCHBOARD_DELIVERY_CONCURRENCY", defaults.concurrency),
  requestTimeout: duration("SWITCHBOARD_DELIVERY_TIMEOUT", defaults.requestTimeout),
  lease: duration("SWITCHBOARD_DELIVERY_LEASE", defaults.lease),
  recordBatch: Config.succeed(defaults.recordBatch),
  depthInterval: duration("SWITCHBOARD_DELIVERY_DEPTH_INTERVAL", defaults.depthInterval),
  retry: Config.all({
    maxAttempts: positive("SWITCHBOARD_DELIVERY_MAX_ATTEMPTS", defaults.retry.maxAttempts),
    baseDelayMs: duration("SWITCHBOARD_DELIVERY_BACKOFF_BASE", Duration.millis(defaults.retry.baseDelayMs)).pipe(
      Config.map(Duration.toMillis)
    ),
    factor: Config.number("SWITCHBOARD_DELIVERY_BACKOFF_FACTOR").pipe(
      Config.validate({ message: "SWITCHBOARD_DELIVERY_BACKOFF_FACTOR must be at least 1", validation: (f) => f >= 1 }),
      Config.withDefault(defaults.retry.factor)
    ),
    maxDelayMs: duration("SWITCHBOARD_DELIVERY_BACKOFF_MAX", Duration.millis(defaults.retry.maxDelayMs)).pipe(
      Config.map(Duration.toMillis)
    ),
    jitter: Config.succeed(defaults.retry.jitter),
    maxRetryAfterMs: duration("SWITCHBOARD_DELIVERY_MAX_RETRY_AFTER", Duration.millis(defaults.retry.maxRetryAfterMs))
      .pipe(Config.map(Duration.toMillis))
  }),
  breaker: Breaker.configFrom("SWITCHBOARD_DELIVERY_BREAKER_THRESHOLD", "SWITCHBOARD_DELIVERY_BREAKER_COOLDOWN_S")
}).pipe(
  Config.validate({
    message: "SWITCHBOARD_DELIVERY_LEASE must be longer than SWITCHBOARD_DELIVERY_TIMEOUT",
    validation: (o) => Duration.greaterThan(o.lease, o.requestTimeout)
  })
)
