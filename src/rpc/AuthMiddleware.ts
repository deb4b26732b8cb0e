/**
 * Bearer-token authentication for the RPC group, per call: the HTTP `authorization` header merged with
 * the call's own headers (which win). The `/rpc` route has already refused requests without a valid
 * HTTP token before reading their body (NdjsonRoute.ts).
 */
import { RpcMiddleware } from "@effect/rpc"
import { Schema } from "effect"
import { Unauthorized, Unavailable } from "../domain/Errors.js"
import { CurrentPrincipal } from "../domain/Principal.js"

export class AuthMiddleware extends RpcMiddleware.Tag<AuthMiddleware>()("switchboard/rpc/AuthMiddleware", {
  failure: Schema.Union(Unauthorized, Unavailable),
  provides: CurrentPrincipal,
  requiredForClient: true
}) {}
