/** Bearer-token authentication for the RPC group: every call carries `authorization: Bearer <token>`. */
import { RpcMiddleware } from "@effect/rpc"
import { Schema } from "effect"
import { Unauthorized, Unavailable } from "../domain/Errors.js"
import { CurrentPrincipal } from "../domain/Principal.js"

export class AuthMiddleware extends RpcMiddleware.Tag<AuthMiddleware>()("switchboard/rpc/AuthMiddleware", {
  failure: Schema.Union(Unauthorized, Unavailable),
  provides: CurrentPrincipal,
  requiredForClient: true
}) {}
