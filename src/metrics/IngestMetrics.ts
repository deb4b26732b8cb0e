/**
 * Counts ingest results by outcome and source channel and times every call, around the ingest use case.
 * Outcomes: accepted, duplicate, rejected (4xx), overloaded (429), unavailable (503) and error: the call
 * died (a defect), which the HTTP edge answers with 500. An interrupted call (the client went away, or the
 * hub is stopping) is not counted: no answer of the use case reached anyone.
 */
import { Cause, Clock, Effect, Metric, Option } from "effect"
import { Channel } from "../domain/Envelope.js"
import type { BatchAnswer, IngestAnswer } from "../domain/IngestAnswer.js"
import type { IngestService } from "../../services/Ingest.js"
import { ingestInFlight, ingestLatency, ingestResults } from "./Metrics.js"

const channels: ReadonlySet<string> = new Set(Channel.literals)

/** The source channel of an untrusted envelope, as a bounded label value. */
export const channelOf = (input: unknown): string => {
  if (typeof input !== "object" || input === null || !("source" in input)) return "invalid"
  const source = input.source
  if (typeof source !== "object" || source === null || !("channel" in source)) return "invalid"
  return typeof source.channel === "string" && channels.has(source.channel) ? source.channel : "invalid"
}

const OUTCOMES = ["accepted", "duplicate", "rejected", "overloaded", "unavailable", "error"] as const

/**
 * The counter of every (outcome, channel) pair, tagged once here: `Metric.tagged` per call builds and hashes
 * a new key each time, which showed in the ingest profile (issue 14).
 */
const results: ReadonlyMap<string, Metric.Metric.Counter<number>> = new Map(
  OUTCOMES.flatMap((outcome) =>
    [...channels, "invalid"].map((channel) =>
      [`${outcome}\u0000${channel}`, Metric.tagged(Metric.tagged(ingestResults, "outcome", outcome), "channel", channel)] as const
    )
  )
)

const count = (outcome: string, channel: string, n = 1) => {
  if (n === 0) return Effect.void
  const counter = results.get(`${outcome}\u0000${channel}`) ??
    Metric.tagged(Metric.tagged(ingestResults, "outcome", outcome), "channel", channel)
  return Metric.incrementBy(counter, n)
}

const latencies = {
  single: Metric.tagged(ingestLatency, "operation", "single"),
  batch: Metric.tagged(ingestLatency, "operation", "batch")
} as const

const failureOutcome = (tag: string) =>
  tag === "Overloaded" ? "overloaded" : tag === "Unavailable" ? "unavailable" : "rejected"

/** The outcome of a call that did not succeed: its typed failure, else "error" for a defect; none for an interruption. */
const outcomeOf = <E extends { readonly _tag: string }>(cause: Cause.Cause<E>): Option.Option<string> =>
  Option.match(Cause.failureOption(cause), {
    onSome: (e) => Option.some(failureOutcome(e._tag)),
    onNone: () => (Cause.isDie(cause) ? Option.some("error") : Option.none())
  })

const timed = <A, E extends { readonly _tag: string }>(operation: keyof typeof latencies, effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    yield* Metric.incrementBy(ingestInFlight, 1)
    const exit = yield* Effect.exit(effect).pipe(Effect.ensuring(Metric.incrementBy(ingestInFlight, -1)))
    const end = yield* Clock.currentTimeMillis
    yield* Metric.update(latencies[operation], (end - start) / 1000)
    return yield* exit
  })

/** Increments the counter once per distinct (outcome, channel) pair. */
const countAll = (pairs: ReadonlyArray<readonly [string, string]>) => {
  const tally = new Map<string, { outcome: string; channel: string; n: number }>()
  for (const [outcome, channel] of pairs) {
    const key = `${outcome}\u0000${channel}`
    const entry = tally.get(key)
    if (entry === undefined) tally.set(key, { outcome, channel, n: 1 })
    else entry.n++
  }
  return Effect.forEach(tally.values(), (t) => count(t.outcome, t.channel, t.n), { discard: true })
}

/** The ingest service with every call timed and its results counted by outcome and channel. */
export const instrument = (service: IngestService): IngestService => ({
  accept: (input, principal) =>
    timed("single", service.accept(input, principal)).pipe(
      Effect.tap((a: IngestAnswer) => count(a.duplicate ? "duplicate" : "accepted", channelOf(input))),
      Effect.tapErrorCause((cause) =>
        Option.match(outcomeOf(cause), { onNone: () => Effect.void, onSome: (o) => count(o, channelOf(input)) })
      )
    ),
  getCheckpoint: service.getCheckpoint,
  acceptBatch: (inputs, principal, checkpoint, fence) =>
    timed("batch", service.acceptBatch(inputs, principal, checkpoint, fence)).pipe(
      Effect.tap((answer: BatchAnswer) =>
        countAll(answer.results.map((r, i) =>
          [r.status === "rejected" ? "rejected" : r.duplicate ? "duplicate" : "accepted", channelOf(inputs[i])] as const
        ))),
      Effect.tapErrorCause((cause) =>
        Option.match(outcomeOf(cause), {
          onNone: () => Effect.void,
          onSome: (o) => countAll(inputs.map((input) => [o, channelOf(input)] as const))
        })
      )
    )
})
