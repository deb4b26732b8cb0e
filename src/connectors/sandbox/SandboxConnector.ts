/**
 * The `sandbox` source: a virtual source that produces numbered messages at a steady rate, with
 * configurable latency and injected failures, so the runtime, the demo and the tests need no external
 * service. Message `n` is the same on every run (id, text, idempotency key), so replays dedupe.
 */
import { Clock, Config, DateTime, Duration, Effect, Layer, Option, Random, Ref, Schema } from "effect"
import type { IngestEnvelopeInput } from "../../domain/Envelope.js"
import { ConnectorConfig } from "../../../services/ConnectorConfig.js"
import {
  type Cursor,
  type SourceBatch,
  SourceConnector,
  type SourceItem,
  SourceRateLimited,
  SourceTransient,
  SourceUnauthorized
} from "../../../services/SourceConnector.js"

export interface Options {
  /** Messages produced per second. */
  readonly ratePerSecond: number
  /** Stop producing after this many messages in total (0: never stop). */
  readonly total: number
  /** Most items one fetch returns. */
  readonly batchSize: number
  /** Added to every fetch, like a slow API. */
  readonly latency: Duration.Duration
  /** Probability (0–1) that a fetch fails with SourceTransient. */
  readonly transientRate: number
  /** Probability (0–1) that a fetch fails with SourceRateLimited. */
  readonly rateLimitedRate: number
  /** The retry-after of injected rate limits. */
  readonly retryAfter: Duration.Duration
  /** Probability (0–1) that a fetch fails with SourceUnauthorized (polling then stops). */
  readonly unauthorizedRate: number
  /** Every n-th message is skipped as an unsupported kind (0: none). */
  readonly skipEvery: number
  /** Every n-th message is invalid (empty sender) so the hub rejects it (0: none). */
  readonly invalidEvery: number
}

const probability = (name: string) =>
  Config.number(name).pipe(
    Config.validate({ message: `${name} must be between 0 and 1`, validation: (p) => p >= 0 && p <= 1 }),
    Config.withDefault(0)
  )
const count = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `${name} must be an integer >= 0`, validation: (n) => n >= 0 }),
    Config.withDefault(fallback)
  )

/** SANDBOX_* settings. */
export const SandboxConfig: Config.Config<Options> = Config.all({
  ratePerSecond: Config.number("SANDBOX_RATE_PER_S").pipe(
    Config.validate({ message: "SANDBOX_RATE_PER_S must be > 0", validation: (r) => r > 0 }),
    Config.withDefault(10)
  ),
  total: count("SANDBOX_TOTAL", 0),
  batchSize: Config.integer("SANDBOX_BATCH_SIZE").pipe(
    Config.validate({ message: "SANDBOX_BATCH_SIZE must be 1 to 1000", validation: (n) => n >= 1 && n <= 1000 }),
    Config.withDefault(100)
  ),
  latency: count("SANDBOX_LATENCY_MS", 0).pipe(Config.map(Duration.millis)),
  transientRate: probability("SANDBOX_TRANSIENT_RATE"),
  rateLimitedRate: probability("SANDBOX_RATE_LIMITED_RATE"),
  retryAfter: Config.number("SANDBOX_RETRY_AFTER_S").pipe(
    Config.withDefault(1),
    Config.map((s) => Duration.millis(Math.round(s * 1000)))
  ),
  unauthorizedRate: probability("SANDBOX_UNAUTHORIZED_RATE"),
  skipEvery: count("SANDBOX_SKIP_EVERY", 0),
  invalidEvery: count("SANDBOX_INVALID_EVERY", 0)
})

export const defaults: Options = {
  ratePerSecond: 10,
  total: 0,
  batchSize: 100,
  latency: Duration.zero,
  transientRate: 0,
  rateLimitedRate: 0,
  retryAfter: Duration.seconds(1),
  unauthorizedRate: 0,
  skipEvery: 0,
  invalidEvery: 0
}

/** The sandbox cursor: the sequence number of the next message. */
export const SandboxCursor = Schema.Struct({ next: Schema.Int.pipe(Schema.nonNegative()) })
const decodeCursor = Schema.decodeUnknownOption(SandboxCursor)
const cursorAt = (next: number): Cursor => ({ next })
const decodePush = Schema.decodeUnknownOption(Schema.Struct({ sequence: Schema.Int.pipe(Schema.nonNegative()) }))

/** The deterministic envelope of message `n`. */
export const envelopeOf = (
  endpointIdentity: string,
  n: number,
  observedAt: string,
  invalid: boolean
): IngestEnvelopeInput => ({
  schema_version: "ingest.v1",
  source: { channel: "sandbox", provider: "sandbox", endpoint_identity: endpointIdentity },
  event: { external_event_id: String(n), external_thread_id: `thread-${n % 5}`, observed_at: observedAt },
  sender: { identity: invalid ? " " : `sandbox-user-${n % 7}` },
  payload: { raw: { sequence: n }, normalized_text: `sandbox message ${n}` },
  control: { idempotency_key: `sandbox:${endpointIdentity}:${n}` }
})

export const make = (endpointIdentity: string, options: Options) =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    /** The sequence number the source had reached when first asked (the stream flows on from there). */
    const origin = yield* Ref.make(Option.none<number>())

    const inject = Effect.gen(function*() {
      const roll = yield* Random.next
      if (roll < options.unauthorizedRate) {
        return yield* new SourceUnauthorized({ message: "sandbox: injected unauthorized (SANDBOX_UNAUTHORIZED_RATE)" })
      }
      if (roll < options.unauthorizedRate + options.transientRate) {
        return yield* new SourceTransient({ message: "sandbox: injected transient failure (SANDBOX_TRANSIENT_RATE)" })
      }
      if (roll < options.unauthorizedRate + options.transientRate + options.rateLimitedRate) {
        return yield* new SourceRateLimited({
          message: "sandbox: injected rate limit (SANDBOX_RATE_LIMITED_RATE)",
          retryAfter: options.retryAfter
        })
      }
    })

    const itemOf = (n: number, observedAt: string): SourceItem =>
      options.skipEvery > 0 && (n + 1) % options.skipEvery === 0
        ? { _tag: "Skip", reason: "sandbox: unsupported kind (SANDBOX_SKIP_EVERY)", cursor: cursorAt(n + 1) }
        : {
          _tag: "Event",
          envelope: envelopeOf(endpointIdentity, n, observedAt, options.invalidEvery > 0 && (n + 1) % options.invalidEvery === 0),
          cursor: cursorAt(n + 1),
          degradations: []
        }

    const fetch = (cursor: Option.Option<Cursor>) =>
      Effect.gen(function*() {
        yield* Effect.sleep(options.latency)
        yield* inject
        const from = Option.match(Option.flatMap(cursor, decodeCursor), { onNone: () => 0, onSome: (c) => c.next })
        const base = yield* Ref.modify(origin, (o) => Option.isSome(o) ? [o.value, o] : [from, Option.some(from)])
        const now = yield* Clock.currentTimeMillis
        const produced = base + Math.floor(((now - startedAt) / 1000) * options.ratePerSecond)
        const available = options.total > 0 ? Math.min(produced, options.total) : produced
        const until = Math.min(available, from + options.batchSize)
        const observedAt = DateTime.formatIso(DateTime.unsafeMake(now))
        const items = Array.from({ length: Math.max(0, until - from) }, (_, i) => itemOf(from + i, observedAt))
        const batch: SourceBatch = { items, next: cursorAt(Math.max(from, until)), apiCalls: 1 }
        return batch
      })

    /** A pushed `{ "sequence": n }`; anything else is skipped with its reason. */
    const normalizePushed = (update: unknown) =>
      Effect.map(DateTime.now, (now): SourceItem =>
        Option.match(decodePush(update), {
          onNone: () => ({ _tag: "Skip", reason: "sandbox: pushed update without a sequence", cursor: {} }),
          onSome: (p) => itemOf(p.sequence, DateTime.formatIso(now))
        }))

    return SourceConnector.of({
      connectorType: "sandbox",
      endpointIdentity,
      polling: true,
      readAhead: true,
      acceptsCursor: Schema.is(SandboxCursor),
      fetch,
      normalizePushed,
      capabilities: { polling: true, webhook: false, media: false }
    })
  })

/** The sandbox from ConnectorConfig and SANDBOX_* variables. */
export const layer = Layer.effect(
  SourceConnector,
  Effect.gen(function*() {
    const config = yield* ConnectorConfig
    const options = yield* SandboxConfig
    return yield* make(config.endpointIdentity, options)
  })
)
