/**
 * The Effect RPC server's protocol for HTTP bodies the `/rpc` guard has already read, checked and parsed
 * (NdjsonRoute.ts, issue 14). `RpcServer.toHttpApp` would need the request again: the guard had to wrap
 * the buffered bytes in a WHATWG Request for the server to read and parse a second time, and the answer
 * went out as a stream. Here the guard's Request messages go to the server as they are (the HTTP headers
 * put in front of each call's own, as toHttpApp does), and the server's responses come back as one NDJSON
 * body with its length. Everything else is the RPC server's own: payload decoding, the auth middleware
 * per call, spans, the handlers, exit encoding.
 */
import { HttpServerResponse } from "@effect/platform"
import { type Rpc, type RpcGroup, type RpcMessage, RpcSerialization, RpcServer } from "@effect/rpc"
import { Deferred, Effect, Exit, FiberRef, Mailbox } from "effect"
import * as TraceContext from "../tracing/TraceContext.js"

interface Client {
  readonly responses: Array<RpcMessage.FromServerEncoded>
  readonly ended: Deferred.Deferred<void>
}

export interface BufferedRpc {
  /** Runs the calls of one HTTP request and returns the NDJSON answer (one line per response). */
  readonly run: (
    messages: ReadonlyArray<RpcMessage.RequestEncoded>,
    httpHeaders: ReadonlyArray<[string, string]>
  ) => Effect.Effect<string | Uint8Array>
  readonly contentType: string
}

/** The answer of `run` as the HTTP response. */
export const toResponse = (rpc: BufferedRpc, body: string | Uint8Array) =>
  typeof body === "string"
    ? HttpServerResponse.text(body, { contentType: rpc.contentType })
    : HttpServerResponse.uint8Array(body, { contentType: rpc.contentType })

/** Starts the RPC server for `group` on this protocol, in the scope; returns how to hand it a request. */
export const serve = <Rpcs extends Rpc.Any>(group: RpcGroup.RpcGroup<Rpcs>) =>
  Effect.gen(function*() {
    const serialization = yield* RpcSerialization.RpcSerialization
    const encoder = serialization.unsafeMake()
    const disconnects = yield* Mailbox.make<number>()
    const clients = new Map<number, Client>()
    let nextClientId = 0
    let writeRequest: (clientId: number, message: RpcMessage.FromClientEncoded) => Effect.Effect<void> = () => Effect.void

    const protocol = yield* RpcServer.Protocol.make((write) => {
      writeRequest = write
      return Effect.succeed({
        disconnects,
        send: (clientId, response) => Effect.sync(() => void clients.get(clientId)?.responses.push(response)),
        end: (clientId) => {
          const client = clients.get(clientId)
          return client === undefined ? Effect.void : Deferred.succeed(client.ended, undefined)
        },
        clientIds: Effect.sync(() => new Set(clients.keys())),
        initialMessage: Effect.succeedNone,
        supportsAck: false,
        supportsTransferables: false,
        supportsSpanPropagation: false
      })
    })
    // A span per call only when spans are exported (see IngestSpans.withSpan).
    const disableTracing = !(yield* FiberRef.get(TraceContext.exporting))
    yield* RpcServer.make(group, { disableTracing }).pipe(
      Effect.provideService(RpcServer.Protocol, protocol),
      Effect.interruptible,
      Effect.forkScoped
    )

    const run: BufferedRpc["run"] = (messages, httpHeaders) =>
      Effect.flatMap(Deferred.make<void>(), (ended) => {
        const id = nextClientId++
        const client: Client = { responses: [], ended }
        clients.set(id, client)
        const calls = Effect.gen(function*() {
          for (const message of messages) {
            yield* writeRequest(id, { ...message, headers: httpHeaders.concat(message.headers) })
          }
          yield* writeRequest(id, { _tag: "Eof" })
          yield* Deferred.await(ended)
          return encoder.encode(client.responses) ?? ""
        })
        // As the server's own HTTP protocol does: the client is gone once answered; one that went away
        // before its answer (the HTTP request interrupted) interrupts its calls.
        return Effect.onExit(calls, (exit) =>
          Effect.suspend(() => {
            clients.delete(id)
            disconnects.unsafeOffer(id)
            return Exit.isSuccess(exit)
              ? Effect.void
              : Effect.forEach(messages, (m) => writeRequest(id, { _tag: "Interrupt", requestId: m.id }), { discard: true })
          }))
      })

    return { run, contentType: serialization.contentType } satisfies BufferedRpc
  })
