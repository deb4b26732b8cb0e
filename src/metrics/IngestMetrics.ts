/** Counts ingest results by outcome and source channel and times every call, around the ingest use case. */
import { Clock, Effect, Metric } from "effect"
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

const count = (outcome: string, channel: string, n = 1) =>
  n === 0 ? Effect.void : Metric.incrementBy(Metric.tagged(Metric.tagged(ingestResults, "outcome", outcome), "channel", channel), n)

const failureOutcome = (tag: string) =>
  tag === "Overloaded" ? "overloaded" : tag === "Unavailable" ? "unavailable" : "rejected"

const timed = <A, E extends { readonly _tag: string }>(operation: string, effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    yield* Metric.incrementBy(ingestInFlight, 1)
    const exit = yield* Effect.exit(effect).pipe(Effect.ensuring(Metric.incrementBy(ingestInFlight, -1)))
    const end = yield* Clock.currentTimeMillis
    yield* Metric.update(Metric.tagged(ingestLatency, "operation", operation), (end - start) / 1000)
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

export const instrument = (service: IngestService): IngestService => ({
  accept: (input, principal) =>
    timed("single", service.accept(input, principal)).pipe(
      Effect.tap((a: IngestAnswer) => count(a.duplicate ? "duplicate" : "accepted", channelOf(input))),
      Effect.tapError((e) => count(failureOutcome(e._tag), channelOf(input)))
    ),
  acceptBatch: (inputs, principal) =>
    timed("batch", service.acceptBatch(inputs, principal)).pipe(
      Effect.tap((answer: BatchAnswer) =>
        countAll(answer.results.map((r, i) =>
          [r.status === "rejected" ? "rejected" : r.duplicate ? "duplicate" : "accepted", channelOf(inputs[i])] as const
        ))),
      Effect.tapError((e) => countAll(inputs.map((input) => [failureOutcome(e._tag), channelOf(input)] as const)))
    )
})
