/**
 * The delivery worker: scoped fibers that claim due outbox rows (leases, so several hub replicas
 * share the work), POST each one signed to its target, and record the outcomes in batches.
 * - claimer: once a quarter of the `concurrency` slots are free, claims that many rows and forks one
 *   attempt fiber per row; goes again at once after a claim that found rows, waits for a recorded
 *   outcome when rows exist but wait behind in-flight ones, else sleeps `pollInterval`;
 * - attempts: never fail; each one ends in an outcome on the queue (a defect becomes a retry), with its
 *   latency measured on the Clock; a row whose target's circuit breaker is open is not attempted but
 *   rescheduled, no attempt spent (TargetBreakers); a row of a paused target is never attempted but parked
 *   until the resume (`park`, which re-checks the pause under a lock);
 * - recorder: writes outcomes (dead letters, inbox lifecycle) in batches, then frees the slots;
 * - depth sampler: outbox depth and unreplayed dead letters into gauges.
 * A crash leaves claimed rows leased: they are delivered again, with the same webhook-id, after the lease.
 */
import { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Cause, Clock, Duration, Effect, Fiber, FiberSet, Layer, Metric, Option, Queue, Ref, Schedule } from "effect"
import * as Addresses from "../../src/delivery/Addresses.js"
import * as DeliveryConfig from "../../src/delivery/DeliveryConfig.js"
import { DatabaseLocation } from "../../services/Database.js"
import { HubConfigFromEnv } from "../../services/HubConfig.js"
import * as DeliveryMetrics from "../../src/delivery/Metrics.js"
import { type AttemptResult, type ClaimedDelivery, DeliveryStore } from "../../services/DeliveryStore.js"
import * as ActionPoster from "../Actions/ActionPoster.js"
import { ActionDispatch } from "../../services/ActionDispatch.js"
import * as TargetBreakers from "./TargetBreakers.js"
import * as WebhookPoster from "./WebhookPoster.js"
import { depthSampler, type Finished, observe, perTarget } from "./WorkerMetrics.js"

/** Rows by the time they are due again (rows of one open target share it), so each time is one write. */
const groupByUntil = (rows: ReadonlyArray<readonly [ClaimedDelivery, number]>) => {
  const groups = new Map<number, Array<ClaimedDelivery>>()
  for (const [row, untilMs] of rows) groups.set(untilMs, [...(groups.get(untilMs) ?? []), row])
  return groups
}

const groupByTarget = (rows: ReadonlyArray<ClaimedDelivery>) => {
  const groups = new Map<string, Array<ClaimedDelivery>>()
  for (const row of rows) groups.set(row.target, [...(groups.get(row.target) ?? []), row])
  return groups
}

export const make = (options: DeliveryConfig.DeliveryOptions) =>
  Effect.gen(function*() {
    const store = yield* DeliveryStore
    // No span per delivery: at thousands of deliveries a second the span and its propagation headers
    // cost more than the request; outcomes are in the metrics and the outbox.
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.withTracerDisabledWhen(() => true),
      HttpClient.withTracerPropagation(false)
    )
    const workerId = `worker-${globalThis.crypto.randomUUID().slice(0, 8)}`
    const leaseMs = Duration.toMillis(options.lease)
    const inflight = yield* Ref.make(0)
    const finished = yield* Queue.unbounded<Finished>()
    const slotFreed = yield* Queue.sliding<void>(1)
    const attempts = yield* FiberSet.make<void, never>()
    const claimHealthy = yield* Ref.make(true)

    const attemptWebhook = WebhookPoster.make(client, options)
    // Action targets (issue 10) go through the hub's actions when it has them.
    const attemptAction = ActionPoster.make(yield* Effect.serviceOption(ActionDispatch), options)
    const attemptOnce = (row: ClaimedDelivery) => (row.action === undefined ? attemptWebhook(row) : attemptAction(row))
    const breakers = yield* TargetBreakers.make(options)

    /**
     * One attempt, settled with its target's breaker; its outcome always ends on the queue for the recorder.
     * attempted_at is when the answer came (as last_attempt_at always was); latency is start to answer, none
     * for a removed target's row (no request is made).
     */
    const attempt = (row: ClaimedDelivery, settle: (result: AttemptResult | "released") => Effect.Effect<void>) =>
      Effect.flatMap(Clock.currentTimeMillis, (start) =>
        attemptOnce(row).pipe(
          Effect.tap(settle),
          Effect.onInterrupt(() => settle("released")),
          Effect.flatMap((result) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) =>
              Queue.offer(finished, {
                request_id: row.request_id,
                target: row.target,
                claim_token: row.claim_token,
                attempts: row.attempts + 1,
                attempted_at: new Date(now),
                latency_ms: row.endpoint === null && row.action === undefined ? null : Math.max(0, now - start),
                result,
                received_at: row.request.received_at
              }))
          )
        ))

    /** Asks each row's target breaker; a removed target's rows are not attempted over HTTP, so they bypass it. */
    const admitAll = (rows: ReadonlyArray<ClaimedDelivery>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const admitted: Array<readonly [ClaimedDelivery, (result: AttemptResult | "released") => Effect.Effect<void>]> = []
        const postponed: Array<readonly [ClaimedDelivery, number]> = []
        for (const row of rows) {
          if (row.endpoint === null && row.action === undefined) {
            admitted.push([row, () => Effect.void])
            continue
          }
          const admission = yield* breakers.admit(row.target, now)
          if (admission._tag === "attempt") admitted.push([row, admission.settle])
          else postponed.push([row, admission.untilMs])
        }
        return { admitted, postponed }
      })

    /** Reschedules rows of open targets without an attempt; if that cannot be written, they are claimed again after their lease. */
    const postpone = (rows: ReadonlyArray<readonly [ClaimedDelivery, number]>) =>
      Effect.forEach(groupByUntil(rows), ([untilMs, group]) =>
        store.postpone(group, new Date(untilMs)).pipe(
          Effect.zipRight(Effect.forEach(group, (row) => Metric.increment(perTarget(row.target).postponed), { discard: true }))
        ), { discard: true }).pipe(
          Effect.catchAll((e) =>
            Effect.logWarning("delivery: rows of an open breaker not rescheduled; they are claimed again after their lease")
              .pipe(Effect.annotateLogs({ reason: e.message, rows: rows.length }))
          )
        )

    /**
     * Parks rows of paused targets, one write per target (so the count is per target); if that cannot be
     * written, they are claimed again after their lease (and parked then).
     */
    const park = (rows: ReadonlyArray<ClaimedDelivery>) =>
      Effect.forEach(groupByTarget(rows), ([target, group]) =>
        store.park(group).pipe(Effect.flatMap((n) => Metric.incrementBy(perTarget(target).parked, n))), { discard: true }).pipe(
          Effect.catchAll((e) =>
            Effect.logWarning("delivery: rows of a paused target not parked; they are claimed again after their lease")
              .pipe(Effect.annotateLogs({ reason: e.message, rows: rows.length }))
          )
        )

    /** Claims only once a quarter of the slots are free, so claims and records go in batches, not one by one. */
    const minClaim = Math.max(1, Math.floor(options.concurrency / 4))

    /** One claim; answers whether to go again at once (true) or after `pollInterval` (false). */
    const claimStep = Effect.gen(function*() {
      const busy = yield* Ref.get(inflight)
      const free = options.concurrency - busy
      if (free < minClaim) {
        yield* Queue.take(slotFreed)
        return true
      }
      const rows = yield* store.claim({ limit: free, leaseMs, workerId })
      if (!(yield* Ref.getAndSet(claimHealthy, true))) yield* Effect.logInfo("delivery: claiming works again")
      const { admitted, postponed } = yield* admitAll(rows.filter((row) => !row.paused))
      yield* Ref.update(inflight, (n) => n + admitted.length)
      yield* Effect.forEach(admitted, ([row, settle]) => FiberSet.run(attempts, attempt(row, settle)), { discard: true })
      yield* postpone(postponed)
      yield* park(rows.filter((row) => row.paused))
      // Postponed and parked rows are no longer due, so claiming again at once finds the rows behind them.
      if (rows.length > 0) return true
      if (busy === 0) return false
      // Nothing claimable while deliveries are in flight (their threads wait on them): wake when one is recorded.
      yield* Queue.take(slotFreed).pipe(Effect.timeoutOption(options.pollInterval))
      return true
    }).pipe(
      Effect.catchAll((e) =>
        Effect.gen(function*() {
          yield* Metric.increment(Metric.tagged(DeliveryMetrics.workerFailures, "step", "claim"))
          if (yield* Ref.getAndSet(claimHealthy, false)) {
            yield* Effect.logWarning("delivery: cannot claim outbox rows").pipe(Effect.annotateLogs({ reason: e.message }))
          }
          return false
        })
      )
    )

    /** Writing outcomes is retried for up to one lease; after that the rows are claimed again anyway. */
    const recordRetry = Schedule.exponential(Duration.millis(100), 2).pipe(
      Schedule.union(Schedule.spaced(Duration.seconds(5))),
      Schedule.upTo(options.lease)
    )

    const recordStep = Effect.gen(function*() {
      const batch = yield* Queue.takeBetween(finished, 1, options.recordBatch)
      const items = Array.from(batch)
      yield* store.complete(items).pipe(
        Effect.tapError(() => Metric.increment(Metric.tagged(DeliveryMetrics.workerFailures, "step", "record"))),
        Effect.retry(recordRetry),
        Effect.flatMap((recorded) => observe(recorded, items)),
        Effect.catchAll((e) =>
          Effect.logWarning("delivery: outcomes not recorded; these rows will be delivered again after their lease")
            .pipe(Effect.annotateLogs({ reason: e.message, rows: items.length }))
        ),
        Effect.ensuring(
          Ref.update(inflight, (n) => n - items.length).pipe(Effect.zipRight(Queue.offer(slotFreed, undefined)))
        ),
        Effect.uninterruptible
      )
    })

    const sampleDepth = yield* depthSampler(store)

    const claimer = yield* claimStep.pipe(
      Effect.repeat(Schedule.identity<boolean>().pipe(
        Schedule.addDelay((busy) => (busy ? Duration.zero : options.pollInterval))
      )),
      Effect.annotateLogs({ worker: "delivery-claimer", worker_id: workerId }),
      Effect.forkScoped
    )
    const recorder = yield* recordStep.pipe(
      Effect.repeat(Schedule.forever),
      Effect.catchAllCause((cause) => Effect.logError("delivery: recorder stopped", cause)),
      Effect.annotateLogs({ worker: "delivery-recorder", worker_id: workerId }),
      Effect.forkScoped
    )
    yield* sampleDepth.pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logWarning("delivery: depth sampling failed", cause)
      ),
      Effect.schedule(Schedule.spaced(options.depthInterval)),
      Effect.annotateLogs({ worker: "delivery-depth", worker_id: workerId }),
      Effect.forkScoped
    )

    /** On shutdown: stop claiming, let running attempts finish (bounded by the request timeout), record them. */
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* Fiber.interrupt(claimer)
        yield* FiberSet.awaitEmpty(attempts).pipe(Effect.timeoutOption(options.requestTimeout))
        yield* Fiber.interrupt(recorder)
        const rest = Array.from(yield* Queue.takeAll(finished))
        if (rest.length > 0) {
          yield* store.complete(rest).pipe(
            Effect.timeoutOption(Duration.seconds(5)),
            Effect.catchAll((e) =>
              Effect.logWarning("delivery: outcomes not recorded at shutdown").pipe(
                Effect.annotateLogs({ reason: e.message, rows: rest.length })
              )
            )
          )
        }
        yield* Effect.logInfo("delivery: worker stopped").pipe(Effect.annotateLogs({ worker_id: workerId }))
      })
    )
    yield* Effect.logInfo("delivery: worker started").pipe(
      Effect.annotateLogs({ worker_id: workerId, concurrency: options.concurrency })
    )
  })

/**
 * The worker with the given settings (tests pass short retry schedules here). Its HTTP client resolves
 * names through the address guard, so every connection is checked (Addresses.ts).
 */
export const layerWith = (options: DeliveryConfig.DeliveryOptions) =>
  Layer.scopedDiscard(options.enabled ? make(options) : Effect.logInfo("delivery: worker disabled")).pipe(
    Layer.provide(NodeHttpClient.layerWithoutAgent),
    Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true, lookup: Addresses.guardedLookup(options.allowPrivate) }))
  )

/**
 * The worker configured from SWITCHBOARD_DELIVERY_* (see DeliveryConfig); private targets are allowed by
 * default only on the embedded database.
 */
export const layer = Layer.unwrapEffect(
  Effect.gen(function*() {
    const options = yield* DeliveryConfig.FromEnv
    const allow = yield* DeliveryConfig.AllowPrivateFromEnv
    const location = yield* DatabaseLocation
    const hub = yield* HubConfigFromEnv
    const allowPrivate = Option.getOrElse(allow, () => location.kind === "embedded")
    if (allowPrivate) {
      yield* Effect.logInfo("delivery: loopback and private targets are allowed").pipe(
        Effect.annotateLogs({ reason: Option.isSome(allow) ? "SWITCHBOARD_DELIVERY_ALLOW_PRIVATE" : "embedded database" })
      )
    }
    return layerWith({ ...options, allowPrivate, hubPort: hub.port === 0 ? null : hub.port })
  })
)
