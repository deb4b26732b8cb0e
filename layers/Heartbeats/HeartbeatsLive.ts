/**
 * The heartbeat use case: authorize (ingest or admin role, scope covering connector_type as the
 * channel and the endpoint identity), validate strictly, record with server time, log restarts.
 */
import { Clock, Effect, Either, Layer, Metric, Ref } from "effect"
import { Forbidden, Unavailable } from "../../src/domain/Errors.js"
import type { HeartbeatV1 } from "../../src/domain/Heartbeat.js"
import { providersByChannel } from "../../src/domain/Envelope.js"
import * as Permissions from "../../src/domain/Permissions.js"
import { covers, type Principal } from "../../src/domain/Principal.js"
import { validateHeartbeat } from "../../src/heartbeat/Validate.js"
import * as LabelBudget from "../../src/metrics/LabelBudget.js"
import { connectorRestarts, heartbeatsReceived, labelValuesFolded } from "../../src/metrics/Metrics.js"
import { HeartbeatStore, type HeartbeatStoreUnavailable } from "../../services/HeartbeatStore.js"
import { Heartbeats } from "../../services/Heartbeats.js"

const RETRY_AFTER_S = 2

const checkRole = (principal: Principal): Effect.Effect<void, Forbidden> =>
  Permissions.allows(principal, "heartbeat.submit")
    ? Effect.void
    : Effect.fail(new Forbidden({ message: `a token with role "${principal.role}" may not send heartbeats` }))

/**
 * A heartbeat names no channel or provider, only connector_type: the scope must cover it as a channel
 * (`telegram`, `sandbox`) or as a provider of the scope's channel (`gmail` under `email`), and its
 * endpoint the identity. A connector the hub hosts has the principal InProcessSwitchboardClient.principalFor
 * made for its own type and endpoint (token id `in-process:<type>`, which no issued token can have): that
 * covers a registered connector whose id is neither a channel nor a provider (`crm` on `api/internal`).
 */
const checkScope = (principal: Principal, hb: HeartbeatV1): Either.Either<HeartbeatV1, Forbidden> => {
  const type = hb.connector.connector_type
  const endpoint_identity = hb.connector.endpoint_identity
  const asChannel = covers(principal, { channel: type, provider: principal.provider, endpoint_identity })
  const asProvider = Object.entries(providersByChannel).some(([channel, providers]) =>
    (providers as ReadonlyArray<string>).includes(type) && covers(principal, { channel, provider: type, endpoint_identity })
  )
  const asHosted = principal.token_id === `in-process:${type}` && principal.endpoint_identity === endpoint_identity
  return asChannel || asProvider || asHosted
    ? Either.right(hb)
    : Either.left(
      new Forbidden({
        message: `token ${principal.token_id} is scoped to ${principal.channel}/${principal.endpoint_identity} and cannot ` +
          `send heartbeats for ${hb.connector.connector_type}/${hb.connector.endpoint_identity}`
      })
    )
}

const counted = (result: string, connectorType = "none") =>
  Metric.increment(Metric.tagged(Metric.tagged(heartbeatsReceived, "result", result), "connector_type", connectorType))

export const make = Effect.gen(function*() {
  const store = yield* HeartbeatStore
  const budget = yield* Ref.make(LabelBudget.empty())

  /** connector_type as a bounded label value; a fold is counted, and logged once per type. */
  const typeLabel = (connectorType: string) =>
    Effect.gen(function*() {
      const admission = yield* Ref.modify(budget, (b) => LabelBudget.admit(b, connectorType))
      if (admission.folded) yield* Metric.increment(Metric.tagged(labelValuesFolded, "label", "connector_type"))
      if (admission.firstFold) {
        yield* Effect.logWarning(
          `heartbeat: too many connector types for metric labels; this one is counted as "${LabelBudget.OTHER}"`
        ).pipe(Effect.annotateLogs({ connector: connectorType, max_unknown_types: LabelBudget.MAX_OTHER_CONNECTOR_TYPES }))
      }
      return admission.label
    })

  const unavailable = (e: HeartbeatStoreUnavailable) =>
    Effect.logWarning("heartbeat: database unavailable").pipe(
      Effect.annotateLogs({ reason: e.message }),
      Effect.zipRight(counted("unavailable")),
      Effect.zipRight(Effect.fail(new Unavailable({ message: `database unavailable: ${e.message}`, retry_after_s: RETRY_AFTER_S })))
    )

  const receive = Effect.fn("Heartbeats.receive")(function*(input: unknown, principal: Principal) {
    yield* checkRole(principal).pipe(Effect.tapError(() => counted("rejected")))
    const hb = yield* Either.flatMap(validateHeartbeat(input), (h) => checkScope(principal, h)).pipe(
      Effect.tapError(() => counted("rejected"))
    )
    const now = yield* Clock.currentTimeMillis
    const outcome = yield* store.record(hb, new Date(now)).pipe(Effect.catchTag("HeartbeatStoreUnavailable", unavailable))
    const connector = { connector: hb.connector.connector_type, endpoint: hb.connector.endpoint_identity }
    const label = yield* typeLabel(hb.connector.connector_type)
    yield* counted("accepted", label)
    if (outcome.registered) yield* Effect.logInfo("heartbeat: connector self-registered").pipe(Effect.annotateLogs(connector))
    if (outcome.kind === "restart") {
      yield* Metric.increment(Metric.tagged(connectorRestarts, "connector_type", label))
      yield* Effect.logInfo("heartbeat: connector restarted (new instance_id)").pipe(
        Effect.annotateLogs({
          ...connector,
          previous_instance_id: outcome.previous_instance_id ?? "",
          instance_id: hb.connector.instance_id
        })
      )
    }
    if (outcome.kind === "reset") {
      yield* Effect.logWarning("heartbeat: a counter went down within one instance; counted as a reset").pipe(
        Effect.annotateLogs({ ...connector, instance_id: hb.connector.instance_id })
      )
    }
    return { status: "accepted" as const, server_time: new Date(now).toISOString() }
  })

  return Heartbeats.of({ receive })
})

export const layer = Layer.effect(Heartbeats, make)
