/**
 * In-memory stand-ins for the runtime's collaborators: a hub whose answer to each submission is scripted,
 * and a numbered source whose fetch failures are scripted. The runtime under test is the real one.
 */
import { Duration, Effect, Layer, Logger, Option, Ref } from "effect"
import type { IngestEnvelopeInput } from "../../src/domain/Envelope.js"
import type { HeartbeatInput } from "../../src/domain/Heartbeat.js"
import type { IngestAnswer } from "../../src/domain/IngestAnswer.js"
import {
  type Cursor,
  type SourceBatch,
  SourceConnector,
  type SourceError,
  type SourceItem
} from "../../services/SourceConnector.js"
import {
  type BatchItemOutcome,
  HeartbeatUnsupported,
  IngestRejected,
  IngestUnauthorized,
  IngestUnavailable,
  SwitchboardClient
} from "../../services/SwitchboardClient.js"

/** What the fake hub does with one submission of an event. */
export type Verdict = "accept" | "reject" | "unavailable" | "unauthorized"

export interface HubState {
  /** Event id → times the hub stored or acknowledged it. */
  readonly accepted: ReadonlyMap<string, number>
  /** Event ids rejected for good. */
  readonly rejected: ReadonlySet<string>
  /** Submissions seen (each envelope of a batch counts once). */
  readonly calls: number
  /** Envelopes in each Ingest / IngestBatch request, in arrival order. */
  readonly requests: ReadonlyArray<number>
  /** Requests being answered now, and the most there ever were at once. */
  readonly inflight: number
  readonly maxInflight: number
  /** Heartbeats received. */
  readonly heartbeats: ReadonlyArray<HeartbeatInput>
  /** Hub-held checkpoints (`type endpoint` → cursor), committed with the batch they came with. */
  readonly checkpoints: ReadonlyMap<string, Cursor>
  /** Every checkpoint committed, in order, with how many envelopes its batch had. */
  readonly commits: ReadonlyArray<{ readonly cursor: Cursor; readonly envelopes: number }>
}

const keyOf = (k: { readonly connector_type: string; readonly source: { readonly endpoint_identity: string } }) =>
  `${k.connector_type} ${k.source.endpoint_identity}`

const idOf = (e: IngestEnvelopeInput) => e.event.external_event_id ?? "?"

/**
 * A hub whose verdict for the n-th submission of event `id` is `verdict(id, n)`. A batch is all or
 * nothing like the real one: one unavailable envelope fails the whole request.
 */
export const makeHub = (
  verdict: (id: string, attempt: number) => Verdict,
  options: {
    readonly heartbeat?: "accept" | "unsupported" | "unavailable"
    /** How long the hub takes to answer a submission of event `id`. */
    readonly latency?: (id: string) => Duration.Duration
  } = {}
) =>
  Effect.gen(function*() {
    const state = yield* Ref.make<HubState>({
      accepted: new Map(),
      rejected: new Set(),
      calls: 0,
      requests: [],
      inflight: 0,
      maxInflight: 0,
      heartbeats: [],
      checkpoints: new Map(),
      commits: []
    })
    const attempts = new Map<string, number>()
    const judge = (e: IngestEnvelopeInput) => {
      const id = idOf(e)
      const n = attempts.get(id) ?? 0
      attempts.set(id, n + 1)
      return verdict(id, n)
    }
    const store = (e: IngestEnvelopeInput) =>
      Ref.modify(state, (s): [IngestAnswer, HubState] => {
        const id = idOf(e)
        const before = s.accepted.get(id) ?? 0
        const accepted = new Map(s.accepted).set(id, before + 1)
        return [
          { status: "accepted", request_id: `r-${id}`, duplicate: before > 0, dedupe_key: id, received_at: "2026-01-01T00:00:00Z" },
          { ...s, accepted }
        ]
      })
    const reject = (e: IngestEnvelopeInput) =>
      Ref.update(state, (s) => ({ ...s, rejected: new Set(s.rejected).add(idOf(e)) })).pipe(
        Effect.as(new IngestRejected({ reason: "ValidationError", message: `bad ${idOf(e)}`, issues: [] }))
      )
    const count = (n: number) => Ref.update(state, (s) => ({ ...s, calls: s.calls + n }))
    const failure = (v: Verdict) =>
      v === "unauthorized"
        ? new IngestUnauthorized({ message: "token revoked" })
        : new IngestUnavailable({ message: "hub down", retryAfter: Option.none() })

    const latency = options.latency ?? (() => Duration.zero)
    const slow = (es: ReadonlyArray<IngestEnvelopeInput>) =>
      Effect.acquireUseRelease(
        Ref.update(state, (s) => ({
          ...s,
          requests: [...s.requests, es.length],
          inflight: s.inflight + 1,
          maxInflight: Math.max(s.maxInflight, s.inflight + 1)
        })),
        () => Effect.sleep(es.reduce((d, e) => Duration.max(d, latency(idOf(e))), Duration.zero)),
        () => Ref.update(state, (s) => ({ ...s, inflight: s.inflight - 1 }))
      )
    const client = SwitchboardClient.of({
      ingest: (e) =>
        Effect.gen(function*() {
          yield* slow([e])
          yield* count(1)
          const v = judge(e)
          if (v === "accept") return yield* store(e)
          if (v === "reject") return yield* Effect.flip(reject(e))
          return yield* failure(v)
        }),
      ingestBatch: (es, checkpoint) =>
        Effect.gen(function*() {
          yield* slow(es)
          yield* count(es.length)
          const verdicts = es.map(judge)
          const bad = verdicts.find((v) => v === "unavailable" || v === "unauthorized")
          if (bad !== undefined) return yield* failure(bad)
          const outcomes = yield* Effect.forEach(es, (e, i): Effect.Effect<BatchItemOutcome> =>
            verdicts[i] === "accept" ? store(e) : reject(e))
          if (checkpoint !== undefined) {
            yield* Ref.update(state, (s) => ({
              ...s,
              checkpoints: new Map(s.checkpoints).set(keyOf(checkpoint), checkpoint.cursor),
              commits: [...s.commits, { cursor: checkpoint.cursor, envelopes: es.length }]
            }))
          }
          return outcomes
        }),
      getCheckpoint: (key) =>
        Effect.map(Ref.get(state), (s) =>
          Option.map(Option.fromNullable(s.checkpoints.get(keyOf(key))), (cursor) => ({
            connector_type: key.connector_type,
            source: key.source,
            cursor,
            updated_at: "2026-01-01T00:00:00Z",
            updated_by: "fake",
            commits: s.commits.length
          }))),
      heartbeat: (h) => {
        switch (options.heartbeat ?? "accept") {
          case "unsupported":
            return Effect.fail(new HeartbeatUnsupported({ message: "Unknown request tag: Heartbeat" }))
          case "unavailable":
            return Effect.fail(new IngestUnavailable({ message: "hub down", retryAfter: Option.none() }))
          default:
            return Ref.update(state, (s) => ({ ...s, heartbeats: [...s.heartbeats, h] })).pipe(
              Effect.as({ status: "accepted" as const, server_time: "2026-01-01T00:00:00Z" })
            )
        }
      }
    })
    return { client, state, layer: Layer.succeed(SwitchboardClient, client) }
  })

/** Numbered events 0..total-1, `batchSize` per fetch, cursor `{ next }`; fetch n may fail as `failure(n)` says. */
export const makeSource = (options: {
  readonly total: number
  readonly batchSize: number
  readonly failure?: (fetchNo: number) => Option.Option<SourceError>
  readonly skip?: (n: number) => boolean
  readonly polling?: boolean
  /** Whether the runtime may fetch past unaccepted events (default true). */
  readonly readAhead?: boolean
  /** Called with the position of every fetch before it runs. */
  readonly observeFetch?: (from: number) => Effect.Effect<void>
}) =>
  Effect.gen(function*() {
    const fetches = yield* Ref.make(0)
    const itemOf = (n: number): SourceItem =>
      options.skip?.(n) === true
        ? { _tag: "Skip", reason: "unsupported kind", cursor: { next: n + 1 } }
        : { _tag: "Event", envelope: envelope(n), cursor: { next: n + 1 }, degradations: [] }
    const fetch = (cursor: Option.Option<Cursor>) =>
      Effect.gen(function*() {
        const no = yield* Ref.getAndUpdate(fetches, (n) => n + 1)
        const from = Option.match(cursor, { onNone: () => 0, onSome: (c) => Number(c["next"]) })
        if (options.observeFetch !== undefined) yield* options.observeFetch(from)
        const failure = options.failure?.(no) ?? Option.none()
        if (Option.isSome(failure)) return yield* Effect.fail(failure.value)
        const until = Math.min(options.total, from + options.batchSize)
        const items = Array.from({ length: Math.max(0, until - from) }, (_, i) => itemOf(from + i))
        const batch: SourceBatch = { items, next: { next: Math.max(from, until) }, apiCalls: 1 }
        return batch
      })
    const connector = SourceConnector.of({
      connectorType: "sandbox",
      endpointIdentity: "fake-1",
      polling: options.polling ?? true,
      readAhead: options.readAhead ?? true,
      acceptsCursor: (c) => typeof c["next"] === "number",
      fetch,
      normalizePushed: (update) => Effect.succeed(itemOf(Number(update))),
      capabilities: { polling: true }
    })
    return { connector, fetches, layer: Layer.succeed(SourceConnector, connector) }
  })

export const envelope = (n: number): IngestEnvelopeInput => ({
  schema_version: "ingest.v1",
  source: { channel: "sandbox", provider: "sandbox", endpoint_identity: "fake-1" },
  event: { external_event_id: String(n), observed_at: "2026-01-01T00:00:00Z" },
  sender: { identity: "u" },
  payload: { raw: null, normalized_text: `m${n}` }
})

export const runtimeOptions = {
  maxInflight: 4,
  pollInterval: Duration.seconds(1),
  shutdownGrace: Duration.seconds(30),
  heartbeatInterval: Option.none<Duration.Duration>()
}

/** Log lines written while `effect` ran, with their level. */
export const capturingLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<{ readonly level: string; readonly message: string }> = []
    const logger = Logger.make(({ logLevel, message }) => {
      lines.push({ level: logLevel.label, message: Array.isArray(message) ? message.map(String).join(" ") : String(message) })
    })
    const result = yield* effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
    return [result, lines] as const
  })
