/**
 * SwitchboardClient over the hub's RPC (NDJSON at POST /rpc) with the bearer token. Heartbeats use a
 * client instance of their own: a hub without the Heartbeat RPC answers with a protocol-level Defect,
 * which fails every call pending on the same client, so an older hub must never take ingest calls down.
 */
import { RpcClient, type RpcClientError } from "@effect/rpc"
import { Cause, Duration, Effect, Layer, Option, type Redacted } from "effect"
import type { IngestEnvelopeInput } from "../../src/domain/Envelope.js"
import type { HeartbeatInput } from "../../src/domain/Heartbeat.js"
import * as Client from "../../src/rpc/Client.js"
import * as TraceContext from "../../src/tracing/TraceContext.js"
import { HubRpcs } from "../../src/rpc/HubRpcs.js"
import { ConnectorStartFailed } from "../../services/SourceConnector.js"
import { SwitchboardTokenConfig, SwitchboardUrlConfig } from "../../services/ConnectorConfig.js"
import { HeartbeatUnsupported, SwitchboardClient } from "../../services/SwitchboardClient.js"
import { batchOutcomes, fromHub, type HubError, unreachable } from "./HubErrors.js"

export interface Options {
  /** Base URL of the hub, e.g. http://127.0.0.1:7400 */
  readonly url: string
  /** The connector's bearer token. */
  readonly token: Redacted.Redacted<string>
  /** A call that has not answered by then counts as the hub being unavailable. */
  readonly requestTimeout: Duration.Duration
}

const describeDefect = (defect: unknown) => Cause.pretty(Cause.die(defect)).split("\n")[0]?.slice(0, 200) ?? "defect"

/** Protocol failures, hub errors and defects, folded into the client contract's errors. */
const settle = (what: string, timeout: Duration.Duration) =>
<A>(call: Effect.Effect<A, HubError | RpcClientError.RpcClientError>) =>
  call.pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => unreachable(`${what}: no answer from the hub within ${Duration.format(timeout)}`)
    }),
    Effect.catchAllDefect((defect) => Effect.fail(unreachable(`${what}: hub answered a defect: ${describeDefect(defect)}`))),
    Effect.mapError((e) =>
      e._tag === "RpcClientError" ? unreachable(`${what}: hub unreachable: ${e.message}`) : e._tag === "IngestUnavailable" ? e : fromHub(e)
    )
  )

const unknownRpc = /Unknown request tag|404|Not Found/i

export const make = (options: Options) =>
  Effect.gen(function*() {
    const auth = Client.authLayer(options.token)
    /** A client with its own protocol instance (its own table of pending calls). */
    const client = Effect.flatMap(
      Layer.build(Layer.merge(Client.protocolLayer(options.url, options.token), auth)),
      (context) => Effect.provide(RpcClient.make(HubRpcs), context)
    )
    const hub = yield* client
    const beats = yield* client
    const timeout = options.requestTimeout

    const heartbeat = (message: HeartbeatInput) =>
      beats.Heartbeat(message).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => unreachable(`heartbeat: no answer from the hub within ${Duration.format(timeout)}`)
        }),
        Effect.catchAllDefect((defect) => {
          const text = describeDefect(defect)
          return Effect.fail(
            unknownRpc.test(text)
              ? new HeartbeatUnsupported({ message: `the hub does not serve the Heartbeat RPC (${text})` })
              : unreachable(`heartbeat: hub answered a defect: ${text}`)
          )
        }),
        Effect.mapError((e) => {
          switch (e._tag) {
            case "RpcClientError":
              return unknownRpc.test(e.message)
                ? new HeartbeatUnsupported({ message: `the hub does not serve the Heartbeat RPC (${e.message})` })
                : unreachable(`heartbeat: hub unreachable: ${e.message}`)
            case "IngestUnavailable":
            case "HeartbeatUnsupported":
              return e
            default:
              return fromHub(e)
          }
        }),
        Effect.withSpan("SwitchboardClient.heartbeat")
      )

    return SwitchboardClient.of({
      // With tracing on, each envelope names this call's span as its control.trace_context (src/tracing).
      ingest: (envelope: IngestEnvelopeInput) =>
        Effect.flatMap(TraceContext.stamp(envelope), hub.Ingest).pipe(settle("ingest", timeout), Effect.withSpan("SwitchboardClient.ingest")),
      ingestBatch: (envelopes, checkpoint) =>
        Effect.flatMap(
          TraceContext.stampAll(envelopes),
          (stamped) => hub.IngestBatch(checkpoint === undefined ? { envelopes: stamped } : { envelopes: stamped, checkpoint })
        ).pipe(
          Effect.map((answer) => batchOutcomes(answer.results)),
          settle("ingest batch", timeout),
          Effect.withSpan("SwitchboardClient.ingestBatch")
        ),
      getCheckpoint: (key) =>
        hub.GetCheckpoint({ key }).pipe(
          Effect.map((answer) => Option.fromNullable(answer.checkpoint)),
          settle("get checkpoint", timeout),
          Effect.withSpan("SwitchboardClient.getCheckpoint")
        ),
      heartbeat
    })
  })

export const defaultTimeout = Duration.seconds(30)

export const layer = (options: Options) => Layer.scoped(SwitchboardClient, make(options))

/** SWITCHBOARD_URL + SWITCHBOARD_API_TOKEN from the environment. */
export const layerConfig = Layer.unwrapEffect(
  Effect.gen(function*() {
    const url = yield* SwitchboardUrlConfig
    const token = yield* SwitchboardTokenConfig
    if (!/^https?:\/\//.test(url)) {
      return yield* new ConnectorStartFailed({ connector: "client", message: `SWITCHBOARD_URL must start with http:// or https:// (got ${url})` })
    }
    return layer({ url, token, requestTimeout: defaultTimeout })
  })
)
