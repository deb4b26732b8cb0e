/**
 * The bearer-token check shared by the RPC middleware (per call) and the RPC routes (per HTTP request,
 * before the body is read).
 */
import { Effect, Redacted } from "effect"
import { RETRY_AFTER_UNAVAILABLE_S, Unauthorized, Unavailable } from "../domain/Errors.js"
import type { Principal } from "../domain/Principal.js"
import type { TokenStoreService } from "../../services/TokenStore.js"

const bearer = /^Bearer\s+(\S+)\s*$/i

/** The principal of `authorization: Bearer <token>`; Unauthorized when it is missing or refused. */
export const authenticate = (
  tokens: TokenStoreService,
  header: string | undefined
): Effect.Effect<Principal, Unauthorized | Unavailable> => {
  const match = header === undefined ? null : bearer.exec(header)
  if (match === null || match[1] === undefined) {
    return Effect.fail(new Unauthorized({ message: "missing bearer token (send authorization: Bearer <token>)" }))
  }
  return tokens.verify(Redacted.make(match[1])).pipe(
    Effect.catchTag("TokenStoreUnavailable", (e) =>
      Effect.fail(
        new Unavailable({ message: `database unavailable: ${e.message}`, retry_after_s: RETRY_AFTER_UNAVAILABLE_S })
      ))
  )
}
