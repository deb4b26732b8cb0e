/**
 * `switchboard connector resubmit --dead-letter-file <path> [--dry-run] [--write-remaining <path>]`:
 * sends a connector's dead-lettered events to the hub again after a fix, over the connector's own RPC
 * client (SWITCHBOARD_URL, SWITCHBOARD_API_TOKEN), in IngestBatch calls; the hub's dedupe makes a rerun
 * safe. The file is streamed line by line; a line that is not a dead letter fails alone (counted and
 * named by line number). Exit 0 when every line was accepted or duplicate, 1 when some are still
 * rejected or malformed, 2 when the file, the remaining file or the hub cannot be used.
 */
import { Command, Options } from "@effect/cli"
import { Path } from "@effect/platform"
import { Chunk, Console, DateTime, Effect, Either, Layer, Option, Ref, Schedule, Schema, Sink, Stream } from "effect"
import { problemsOf } from "../../services/ConnectorConfig.js"
import type { DeadLetter } from "../../services/ConnectorDeadLetters.js"
import { type BatchItemOutcome, type IngestRejected, SwitchboardClient } from "../../services/SwitchboardClient.js"
import * as Policies from "../policies.js"
import * as Lazy from "./Lazy.js"
import * as Lines from "./ResubmitLines.js"

/** The file, the remaining file, the configuration or the hub cannot be used (exit 2). */
export class ResubmitFailed extends Schema.TaggedError<ResubmitFailed>()("ResubmitFailed", { message: Schema.String }) {}

/** Some events are still rejected or some lines malformed (exit 1); the summary on stdout names them. */
export class ResubmitIncomplete extends Schema.TaggedError<ResubmitIncomplete>()("ResubmitIncomplete", {
  message: Schema.String
}) {}

/** Envelopes per IngestBatch call (the hub takes up to 500), and at most this much JSON per call (the body cap is 32 MiB). */
const BATCH = 100
const BATCH_BYTES = 8 * 1024 * 1024
/** A progress line on stderr every this many events. */
const PROGRESS_EVERY = 1000
/** Rejections shown in the summary. */
const SHOWN = 5

/** A hub that is down is tried again a few times (Retry-After honoured); a refused token is not. */
const hubRetry = Schedule.intersect(Policies.ingestRetry, Schedule.recurs(4))

interface Tally {
  readonly letters: number
  readonly accepted: number
  readonly duplicate: number
  readonly rejected: number
  /** The first SHOWN rejections, one line each. */
  readonly shown: ReadonlyArray<string>
  readonly malformed: number
  /** The first SHOWN malformed lines. */
  readonly malformedShown: ReadonlyArray<{ readonly line: number; readonly problem: string }>
  /** Letters by the reason recorded in the file (at most 10 reasons). */
  readonly reasons: ReadonlyMap<string, number>
}

const empty: Tally = { letters: 0, accepted: 0, duplicate: 0, rejected: 0, shown: [], malformed: 0, malformedShown: [], reasons: new Map() }

const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…` : s)

/** The hub's message names the problem (its issues are in it); the issues are added only when it does not. */
const rejectionLine = (letter: Lines.Letter, r: IngestRejected) => {
  const issues = r.issues.filter((i) => !r.message.includes(i.message)).map((i) => `${i.path}: ${i.message}`)
  return clip(`line ${letter.line} (event ${letter.eventId}): ${r.reason}: ${r.message}${issues.length > 0 ? ` [${issues.join("; ")}]` : ""}`)
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** The still-rejected or malformed lines as one sentence for the failure line. */
const leftBehind = (t: Tally) =>
  [t.rejected > 0 ? `${plural(t.rejected, "event")} still rejected` : "", t.malformed > 0 ? plural(t.malformed, "malformed line") : ""]
    .filter((s) => s !== "").join(" and ")

const summary = (file: string, t: Tally, dryRun: boolean, remaining: Option.Option<string>) => {
  const lines = [`${file}: ${plural(t.letters, "dead letter")}, ${plural(t.malformed, "malformed line")}`]
  if (dryRun) {
    const reasons = [...t.reasons].map(([r, n]) => `${clip(r, 60)} ${n}`).join(", ")
    lines.push(`dry run: nothing submitted${reasons === "" ? "" : `; recorded reasons: ${reasons}`}`)
  } else {
    lines.push(`accepted:        ${t.accepted}`, `duplicate:       ${t.duplicate}`, `still rejected:  ${t.rejected}`)
    if (t.shown.length > 0) lines.push(`still rejected, first ${t.shown.length}:`, ...t.shown.map((s) => `  ${s}`))
  }
  if (t.malformed > 0) {
    lines.push(`malformed:       ${t.malformed}`, ...t.malformedShown.map((m) => `  line ${m.line}: ${m.problem}`))
    if (t.malformed > t.malformedShown.length) lines.push(`  … and ${t.malformed - t.malformedShown.length} more`)
  }
  if (Option.isSome(remaining)) lines.push(`still rejected and malformed lines written to ${remaining.value}`)
  return lines.join("\n")
}

const deadLetterFile = Options.text("dead-letter-file").pipe(
  Options.withPseudoName("PATH"),
  Options.withDescription("the connector's dead-letter NDJSON (CONNECTOR_DEAD_LETTER_PATH), e.g. --dead-letter-file .switchboard/sandbox.json.dead-letter.ndjson")
)
const dryRun = Options.boolean("dry-run").pipe(
  Options.withDescription("decode and count the letters, submit nothing (SWITCHBOARD_* not needed), e.g. --dry-run")
)
const writeRemaining = Options.text("write-remaining").pipe(
  Options.withPseudoName("PATH"),
  Options.optional,
  Options.withDescription("write the still-rejected letters (with the hub's new reason) and malformed lines here, mode 0600, e.g. --write-remaining left.ndjson")
)

/** The connector's RPC client from SWITCHBOARD_URL / SWITCHBOARD_API_TOKEN; a bad setting is a ResubmitFailed naming it. */
const clientLayer = Lazy.layer(Effect.map(Lazy.load(() => import("../../layers/SwitchboardClient/RpcSwitchboardClient.js")), (m) => m.layerConfig)).pipe(
  Layer.provide(Lazy.HttpClientLive),
  Layer.mapError((e) => new ResubmitFailed({ message: "_tag" in e && e._tag === "ConnectorStartFailed" ? e.message : problemsOf(e).join("; ") }))
)

export const resubmitCommand = Command.make("resubmit", { deadLetterFile, dryRun, writeRemaining }, (o) =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const file = path.resolve(o.deadLetterFile)
    if (Option.isSome(o.writeRemaining) && path.resolve(o.writeRemaining.value) === file) {
      return yield* new ResubmitFailed({ message: "--write-remaining must name another file than --dead-letter-file (it is rewritten)" })
    }
    if (Option.isSome(o.writeRemaining) && o.dryRun) {
      return yield* new ResubmitFailed({ message: "--write-remaining has nothing to write with --dry-run; leave one of them out" })
    }
    const tally = yield* Ref.make(empty)
    const cannotWrite = (e: { readonly message: string }) => new ResubmitFailed({ message: `cannot write --write-remaining: ${e.message}` })
    const remaining = yield* Option.match(o.writeRemaining, {
      onNone: () => Effect.succeed(Option.none<Lines.Remaining>()),
      onSome: (to) => Effect.map(Lines.openRemaining(path.resolve(to)), Option.some)
    }).pipe(Effect.mapError(cannotWrite))
    const keep = (line: string) =>
      Option.match(remaining, { onNone: () => Effect.void, onSome: (r) => Effect.mapError(r.write(line), cannotWrite) })

    const letters = Lines.read(file).pipe(
      Stream.mapError((e) => new ResubmitFailed({ message: `cannot read --dead-letter-file ${file}: ${e.message}` })),
      Stream.tap((parsed) =>
        parsed._tag === "Malformed"
          ? Effect.zipRight(
            Ref.update(tally, (t) => ({
              ...t,
              malformed: t.malformed + 1,
              malformedShown: t.malformedShown.length < SHOWN
                ? [...t.malformedShown, { line: parsed.line, problem: parsed.problem }]
                : t.malformedShown
            })),
            keep(parsed.raw)
          )
          : Ref.update(tally, (t) => ({
            ...t,
            letters: t.letters + 1,
            reasons: t.reasons.size < 10 || t.reasons.has(parsed.letter.reason)
              ? new Map(t.reasons).set(parsed.letter.reason, (t.reasons.get(parsed.letter.reason) ?? 0) + 1)
              : t.reasons
          }))
      ),
      Stream.filterMap((parsed) => (parsed._tag === "Letter" ? Option.some(parsed) : Option.none()))
    )

    if (o.dryRun) yield* Stream.runDrain(letters)
    else yield* submitAll(letters, tally, keep).pipe(Effect.provide(clientLayer))
    yield* Option.match(remaining, { onNone: () => Effect.void, onSome: (r) => Effect.mapError(r.sync, cannotWrite) })

    const t = yield* Ref.get(tally)
    yield* Console.log(summary(file, t, o.dryRun, Option.map(o.writeRemaining, (p) => path.resolve(p))))
    if (t.rejected > 0 || t.malformed > 0) {
      return yield* new ResubmitIncomplete({ message: `${leftBehind(t)} (see the summary above)` })
    }
  }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "resubmit a connector's dead-lettered events to the hub after a fix (deduped by the hub, safe to rerun); prints " +
      "accepted / duplicate / still rejected; exit 0 when none is left, 1 when some are still rejected or malformed, " +
      "2 when the file or the hub cannot be used. Environment: SWITCHBOARD_URL, SWITCHBOARD_API_TOKEN. Example: " +
      "switchboard connector resubmit --dead-letter-file .switchboard/sandbox.json.dead-letter.ndjson --dry-run"
  )
)

/** Submits the letters in batches, tallies each outcome, keeps the still rejected, reports progress on stderr. */
const submitAll = <E, R>(
  letters: Stream.Stream<Lines.Letter, E, R>,
  tally: Ref.Ref<Tally>,
  keep: (line: string) => Effect.Effect<void, ResubmitFailed>
) =>
  Effect.gen(function*() {
    const client = yield* SwitchboardClient
    const submitted = yield* Ref.make(0)
    const hubFailed = (e: { readonly _tag: string; readonly message: string }) =>
      Effect.flatMap(Ref.get(submitted), (n) =>
        Effect.fail(new ResubmitFailed({
          message: `${e._tag === "IngestUnauthorized" ? "the hub refused SWITCHBOARD_API_TOKEN" : "the hub is unavailable"}: ${e.message}; ` +
            `${plural(n, "event")} submitted before that (running again is safe: the hub dedupes)`
        })))
    /** A refusal comes back as Left; an unavailable hub is tried again under `hubRetry`. */
    const persistently = <A>(
      call: Effect.Effect<A, IngestRejected | Lines.HubError>
    ): Effect.Effect<Either.Either<A, IngestRejected>, Lines.HubError> =>
      call.pipe(
        Effect.map((a): Either.Either<A, IngestRejected> => Either.right(a)),
        Effect.catchTag("IngestRejected", (r) => Effect.succeed<Either.Either<A, IngestRejected>>(Either.left(r))),
        Effect.retry({ schedule: hubRetry, while: (e) => e._tag === "IngestUnavailable" })
      )

    /** One outcome per letter; a batch refused as a whole (too large, …) is tried one letter at a time. */
    const submit = (batch: ReadonlyArray<Lines.Letter>): Effect.Effect<ReadonlyArray<BatchItemOutcome>, Lines.HubError> =>
      Effect.flatMap(persistently(client.ingestBatch(batch.map((l) => l.envelope))), Either.match({
        onRight: Effect.succeed,
        onLeft: (whole) =>
          batch.length === 1
            ? Effect.succeed([whole])
            : Effect.forEach(batch, (l) => Effect.map(persistently(client.ingest(l.envelope)), Either.merge))
      }))

    const settle = (letter: Lines.Letter, outcome: BatchItemOutcome) =>
      "status" in outcome
        ? Ref.update(tally, (t) => (outcome.duplicate ? { ...t, duplicate: t.duplicate + 1 } : { ...t, accepted: t.accepted + 1 }))
        : Effect.gen(function*() {
          yield* Ref.update(tally, (t) => ({
            ...t,
            rejected: t.rejected + 1,
            shown: t.shown.length < SHOWN ? [...t.shown, rejectionLine(letter, outcome)] : t.shown
          }))
          const now = yield* DateTime.now
          const again: DeadLetter = {
            ...letter.letter,
            rejected_at: DateTime.formatIso(now),
            reason: outcome.reason,
            message: outcome.message,
            issues: outcome.issues
          }
          yield* keep(JSON.stringify(again))
        })

    yield* letters.pipe(
      Stream.aggregate(Sink.foldWeighted<Chunk.Chunk<Lines.Letter>, Lines.Letter>({
        initial: Chunk.empty<Lines.Letter>(),
        maxCost: BATCH_BYTES,
        // Each letter costs at least BATCH_BYTES / BATCH, so a batch also holds at most BATCH letters.
        cost: (_, l: Lines.Letter) => Math.max(l.bytes, BATCH_BYTES / BATCH),
        body: Chunk.append
      })),
      Stream.runForEach((chunk) =>
        Effect.gen(function*() {
          const batch = Chunk.toReadonlyArray(chunk)
          const outcomes = yield* Effect.catchAll(submit(batch), hubFailed)
          if (outcomes.length !== batch.length) {
            return yield* new ResubmitFailed({ message: `the hub answered ${outcomes.length} outcomes for ${batch.length} events` })
          }
          yield* Effect.forEach(batch, (l, i) => settle(l, outcomes[i]!), { discard: true })
          const [before, after] = yield* Ref.modify(submitted, (n) => [[n, n + batch.length] as const, n + batch.length])
          if (Math.floor(after / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY)) {
            yield* Console.error(`resubmit: ${after} events submitted (through line ${batch[batch.length - 1]!.line})`)
          }
        })
      )
    )
  })
