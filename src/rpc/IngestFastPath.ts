/**
 * A `/rpc` body that holds one `Ingest` call and nothing else (what the TypeScript client sends for one
 * envelope) answered without the RPC server's per-call machinery (issue 14): a fiber and a runtime per call,
 * a mailbox, the payload and exit codecs run as effects. The same steps, in the same order: the call's token
 * (its own `authorization` header, else the HTTP request's) as AuthMiddleware checks it, the envelope's size
 * limit, the `Ingest` use case; the answer is the exit encoded with the RPC's own exit schema, as the server
 * would send it. A defect is answered as the server answers one (a `Defect` message) and logged.
 *
 * Only while spans are not exported: with an exporter the RPC server runs every call and makes its
 * `RpcServer.Ingest` span under the caller's trace.
 */
import { Rpc, type RpcMessage } from "@effect/rpc"
import { Cause, Effect, Exit, FiberRef, Option, Schema } from "effect"
import { Ingest } from "../../services/Ingest.js"
import { TokenStore } from "../../services/TokenStore.js"
import * as TraceContext from "../tracing/TraceContext.js"
import { authenticate } from "./Bearer.js"
import { ingestOne } from "./Edge.js"
import { HubRpcs } from "./HubRpcs.js"

export type FastPath = (
  message: RpcMessage.RequestEncoded,
  httpHeaders: { readonly [name: string]: string | undefined }
) => Effect.Effect<string>

const encodeDefect = Schema.encodeSync(Schema.Defect)

/** The call's `authorization`: its own header when it has one (per-message headers win), else the request's. */
const authorizationOf = (message: RpcMessage.RequestEncoded, httpHeaders: { readonly [name: string]: string | undefined }) => {
  let value = httpHeaders["authorization"]
  for (const [name, v] of message.headers) if (name.toLowerCase() === "authorization") value = v
  return value
}

/** The fast path, or none while spans are exported. */
export const make: Effect.Effect<Option.Option<FastPath>, never, TokenStore | Ingest> = Effect.gen(function*() {
  if (yield* FiberRef.get(TraceContext.exporting)) return Option.none()
  const tokens = yield* TokenStore
  const ingest = yield* Ingest
  const rpc = HubRpcs.requests.get("Ingest")
  if (rpc === undefined) return Option.none()
  // The exit schema holds the middleware's failures (Unauthorized, Unavailable) at run time, which its type leaves out.
  const exitSchema: Schema.Schema<Exit.Exit<unknown, unknown>, unknown> = Rpc.exitSchema(rpc) as unknown as Schema.Schema<
    Exit.Exit<unknown, unknown>,
    unknown
  >
  const encodeExit = Schema.encode(exitSchema)

  const line = (message: unknown) => `${JSON.stringify(message)}\n`

  const fast: FastPath = (message, httpHeaders) =>
    authenticate(tokens, authorizationOf(message, httpHeaders)).pipe(
      Effect.flatMap((principal) => ingestOne(ingest, message.payload, principal)),
      Effect.exit,
      Effect.flatMap((exit) =>
        Exit.isFailure(exit) && Cause.isDie(exit.cause)
          ? Effect.as(
            Effect.logError("rpc: Ingest died inside the hub").pipe(Effect.annotateLogs({ cause: Cause.pretty(exit.cause).split("\n")[0] ?? "" })),
            line({ _tag: "Defect", defect: encodeDefect(Cause.squash(exit.cause)) })
          )
          : Effect.map(
            Effect.orDie(encodeExit(exit)),
            (encoded) => line({ _tag: "Exit", requestId: message.id, exit: encoded })
          )
      )
    )
  return Option.some(fast)
})
