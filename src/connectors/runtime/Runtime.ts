/**
 * The connector runtime: drives any SourceConnector. The polling loop is a Schedule; batches are
 * submitted with at most `maxInflight` IngestBatch calls in flight (fetching ahead while submitting when
 * the source allows it); the checkpoint is saved only for the longest prefix of items the hub accepted
 * (or reported duplicate, or that were dead-lettered/skipped). Interruption (SIGTERM/SIGINT via
 * NodeRuntime.runMain) lets the batches in flight finish within the shutdown grace, then saves. When the hub
 * holds the checkpoint (issue 15) each IngestBatch commits the cursor after its events in its own transaction.
 */
import { Cause, Duration, Effect, Option, Ref, Schedule } from "effect"
import * as Policies from "../../policies.js"
import { CheckpointStore } from "../../../services/CheckpointStore.js"
import type { ConnectorConfigShape } from "../../../services/ConnectorConfig.js"
import { type Cursor, SourceConnector, type SourceError } from "../../../services/SourceConnector.js"
import * as Heartbeat from "./Heartbeat.js"
import * as Pipeline from "./Pipeline.js"
import * as Saves from "./Saves.js"
import * as State from "./State.js"
import * as Submit from "./Submit.js"

export interface Options {
  /** Ingest submissions in flight at once. */
  readonly maxInflight: number
  /** Pause after a poll that found nothing. */
  readonly pollInterval: Duration.Duration
  /** How long an interrupted batch may keep going before what was accepted is saved. */
  readonly shutdownGrace: Duration.Duration
  /** Heartbeat period; None disables heartbeats. */
  readonly heartbeatInterval: Option.Option<Duration.Duration>
}

export const optionsFrom = (config: ConnectorConfigShape): Options => ({
  maxInflight: config.maxInflight,
  pollInterval: config.pollInterval,
  shutdownGrace: config.shutdownGrace,
  heartbeatInterval: config.heartbeatEnabled ? Option.some(config.heartbeatInterval) : Option.none()
})

export const make = (options: Options) =>
  Effect.gen(function*() {
    const connector = yield* SourceConnector
    const store = yield* CheckpointStore
    const state = yield* State.make
    const who = { connectorType: connector.connectorType, endpointIdentity: connector.endpointIdentity }
    const saves = yield* Saves.make(store, state)
    const withBatch = store.withBatch
    const submitter = yield* Submit.make({
      ...who,
      maxInflight: options.maxInflight,
      state,
      withBatches: withBatch === undefined ? undefined : { withBatch, flush: saves.flush, stored: saves.stored }
    })
    const heartbeat = yield* Heartbeat.make({
      ...who,
      capabilities: connector.capabilities,
      counters: connector.counters,
      degradation: connector.degradation,
      interval: Option.getOrElse(options.heartbeatInterval, () => Duration.seconds(120))
    }, state)
    /** The last committed cursor: every event before it is handled. */
    const position = yield* Ref.make(Option.none<Cursor>())
    /** Where the next fetch starts: past the last fetched batch (the committed position without read-ahead). */
    const ahead = yield* Ref.make(Option.none<Cursor>())

    /** Loads the checkpoint; a missing, corrupt or foreign one means starting from scratch (corrupt ones counted). */
    const start = Effect.gen(function*() {
      const read = yield* store.read
      if (read._tag === "Missing") return
      if (read._tag === "Corrupt") return yield* state.checkpointCorrupt // the store logged why
      const loaded = read.checkpoint
      if (!connector.acceptsCursor(loaded.cursor)) {
        yield* state.checkpointCorrupt
        return yield* Effect.logError(
          `checkpoint ${store.location} does not hold a ${connector.connectorType} cursor; starting from scratch`
        ).pipe(Effect.annotateLogs({ degradation: "checkpoint_corrupt" }))
      }
      yield* Ref.set(position, Option.some(loaded.cursor))
      yield* Ref.set(ahead, Option.some(loaded.cursor))
      yield* saves.loaded(loaded.cursor)
      yield* state.loaded(loaded)
      yield* Effect.logInfo(`resuming from checkpoint ${store.location}`).pipe(
        Effect.annotateLogs({ cursor: JSON.stringify(loaded.cursor) })
      )
    })

    /** Moves the position to `cursor` (every event before it is handled) and has it saved. */
    const commit = (cursor: Cursor) => Effect.zipRight(Ref.set(position, Option.some(cursor)), saves.request(cursor))

    const pipeline = yield* Pipeline.make({ commit, shutdownGrace: options.shutdownGrace })
    /**
     * Batches in flight at most: with read-ahead, one per submission slot; otherwise one. With the checkpoint in
     * the hub, one: each commit must follow the one before (a fetch still overlaps nothing; see BENCHMARKS.md).
     */
    const depth = connector.readAhead && withBatch === undefined ? options.maxInflight : 1

    const logSourceFailure = (e: SourceError) => {
      switch (e._tag) {
        case "SourceRateLimited": {
          const waitS = Math.ceil(Duration.toSeconds(e.retryAfter))
          return Effect.zipRight(
            state.rateLimited(waitS),
            Effect.logInfo(`source rate limited us; waiting ${Duration.format(e.retryAfter)}: ${e.message}`).pipe(
              Effect.annotateLogs({ degradation: "rate_limited", wait_s: waitS })
            )
          )
        }
        case "SourceConflict":
          return Effect.logError(`source refuses this poller, retrying slowly: ${e.message}`)
        default:
          return Effect.logWarning(`source fetch failed: ${e.message}`).pipe(Effect.annotateLogs({ error: e._tag }))
      }
    }

    /** One fetch under `sourceRetry`; unauthorized and expired cursors come out as errors. */
    const fetch = Effect.flatMap(Ref.get(ahead), connector.fetch).pipe(
      Effect.tapError((e) => Effect.all([state.sourceCalls(1), state.failure(e), logSourceFailure(e)])),
      Effect.retry({ schedule: Policies.sourceRetry, while: Policies.isRetryableSource }),
      Effect.tap((batch) => Effect.zipRight(state.sourceCalls(batch.apiCalls), state.success))
    )

    /**
     * Fetch one batch and start submitting it. With read-ahead the next fetch overlaps this submission
     * (up to `depth` batches in flight); without, it waits until this batch is handled, because the fetch
     * position is what the source takes as consumed. An empty fetch waits for everything in flight, so an
     * idle connector's checkpoint is current.
     */
    const pollOnce: Effect.Effect<Policies.PollOutcome, SourceError> = Effect.gen(function*() {
      const batch = yield* fetch
      yield* Ref.set(ahead, Option.some(batch.next))
      const inFlight = yield* pipeline.start(batch, submitter.submitAll)
      const found = batch.items.length > 0
      if (!found || !connector.readAhead) yield* pipeline.awaitAll
      else if (inFlight >= depth) yield* pipeline.awaitOldest
      else yield* pipeline.commitReady
      return { found }
    })

    /** Settles every batch in flight and moves the fetch position to `cursor` (a reset by the source). */
    const resetTo = (cursor: Cursor) =>
      Effect.gen(function*() {
        yield* pipeline.awaitAll
        yield* commit(cursor)
        yield* Ref.set(ahead, Option.some(cursor))
      })

    /** One poll with the rules for failures that retrying in place cannot fix. */
    const cycle = pollOnce.pipe(
      Effect.catchTags({
        CursorExpired: (e) =>
          Effect.gen(function*() {
            yield* state.cursorReset
            yield* Effect.logWarning(`cursor expired, reset to the source's current position; events may be missing: ${e.message}`)
              .pipe(Effect.annotateLogs({ degradation: "cursor_resets" }))
            yield* resetTo(e.resetTo)
            return { found: true }
          }),
        SourceUnauthorized: (e) =>
          Effect.logError(`source refused our credentials; polling stopped (heartbeats go on), fix them and restart: ${e.message}`)
            .pipe(Effect.zipRight(pipeline.awaitAll), Effect.zipRight(Effect.never)),
        SourceRateLimited: () => Effect.succeed({ found: false }),
        SourceTransient: () => Effect.succeed({ found: false }),
        SourceConflict: () => Effect.succeed({ found: false })
      }),
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.failCause(cause)
          : Effect.as(Effect.logError("connector poll failed unexpectedly", cause), { found: false })
      )
    )

    const pollInterval = connector.pollInterval ?? options.pollInterval
    const wakeups = connector.wakeups
    /**
     * Polls forever on `pollSchedule`; a source that can ask for an early poll (push notifications) waits
     * after an empty poll for its wakeup or the poll interval, whichever comes first.
     */
    const pollLoop = (wakeups === undefined
      ? Effect.repeat(cycle, Policies.pollSchedule(pollInterval))
      : Effect.asVoid(Effect.repeat(
        Effect.tap(cycle, (o) => (o.found ? Effect.void : Effect.asVoid(Effect.timeoutOption(wakeups, pollInterval)))),
        Schedule.forever
      ))).pipe(
      Effect.ensuring(Effect.zipRight(pipeline.finish, saves.flush)),
      Effect.annotateLogs({ worker: "poll" })
    )

    /** Submits one pushed update (webhook); fails with the error to answer the source so it redelivers. */
    const push = (update: unknown) =>
      connector.normalizePushed === undefined
        ? Effect.dieMessage(`the ${connector.connectorType} connector does not accept pushed updates`)
        : Effect.flatMap(connector.normalizePushed(update), submitter.submitPushed)

    /** The whole connector: checkpoint, heartbeats, polling (push mode: heartbeats only). */
    const run = Effect.gen(function*() {
      yield* start
      if (Option.isSome(options.heartbeatInterval)) yield* Effect.forkScoped(heartbeat.loop)
      yield* Effect.logInfo(`${connector.connectorType} connector started`).pipe(
        Effect.annotateLogs({ instance_id: heartbeat.instanceId, mode: connector.polling ? "poll" : "push" })
      )
      return yield* connector.polling ? pollLoop : Effect.never
    }).pipe(
      Effect.scoped,
      Effect.annotateLogs({ connector: connector.connectorType, endpoint: connector.endpointIdentity })
    )

    return { state, start, pollOnce, run, push, position, heartbeat }
  })

export type ConnectorRuntime = Effect.Effect.Success<ReturnType<typeof make>>
