/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification) as `/jsonrpc` speaks it: parsing a body into
 * calls, validating each request object, the error codes, and the response objects. No I/O here.
 */
import { Either, Option, Schema } from "effect"
import { Forbidden, Overloaded, PayloadTooLarge, Unauthorized, Unavailable, ValidationError } from "../domain/Errors.js"

/** A request id as the client sent it (echoed exactly); absent for a notification. */
export type Id = string | number | null

/** The codes the specification defines. */
export const ProtocolCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603
} as const

/** Every error the hub's methods (or the HTTP edge in front of them) answer, with its application code. */
export const AppError = Schema.Union(ValidationError, Unauthorized, Forbidden, PayloadTooLarge, Overloaded, Unavailable)
export type AppError = typeof AppError.Type

/** The application codes (the specification's -32000 to -32099 "server error" range), one per tag. */
export const appCodes: { readonly [K in AppError["_tag"]]: number } = {
  ValidationError: -32000,
  Unauthorized: -32001,
  Forbidden: -32002,
  PayloadTooLarge: -32003,
  Overloaded: -32004,
  Unavailable: -32005
}

export interface ErrorObject {
  readonly code: number
  readonly message: string
  readonly data?: unknown
}

export type Response =
  | { readonly jsonrpc: "2.0"; readonly id: Id; readonly result: unknown }
  | { readonly jsonrpc: "2.0"; readonly id: Id; readonly error: ErrorObject }

/** A valid request object: `id` is None for a notification (which is never answered). */
export interface Call {
  readonly id: Option.Option<Id>
  readonly method: string
  /** undefined when the request had no `params` member. */
  readonly params: ReadonlyArray<unknown> | { readonly [key: string]: unknown } | undefined
}

export const success = (id: Id, result: unknown): Response => ({ jsonrpc: "2.0", id, result })

export const failure = (id: Id, code: number, message: string, data?: unknown): Response =>
  ({ jsonrpc: "2.0", id, error: data === undefined ? { code, message } : { code, message, data } })

const encodeAppError = Schema.encodeSync(AppError)

/** An application error: its documented code, its message, and the tagged error itself as `data`. */
export const appFailure = (id: Id, error: AppError): Response =>
  failure(id, appCodes[error._tag], error.message, encodeAppError(error))

export const parseError = (detail: string): Response =>
  failure(null, ProtocolCode.ParseError, `Parse error: ${detail}`)

export const invalidRequest = (id: Id, detail: string): Response =>
  failure(id, ProtocolCode.InvalidRequest, `Invalid Request: ${detail}`)

export const methodNotFound = (id: Id, method: string, served: ReadonlyArray<string>): Response =>
  failure(
    id,
    ProtocolCode.MethodNotFound,
    `Method not found: ${JSON.stringify(method.slice(0, 100))} (this hub serves ${served.join(", ")})`
  )

export const invalidParams = (id: Id, detail: string): Response =>
  failure(id, ProtocolCode.InvalidParams, `Invalid params: ${detail}`)

export const internalError = (id: Id): Response =>
  failure(id, ProtocolCode.InternalError, "Internal error: the hub failed to handle this call; the failure is logged")

const members = new Set(["jsonrpc", "method", "params", "id"])

const isObject = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const isId = (u: unknown): u is Id => typeof u === "string" || typeof u === "number" || u === null

const describe = (u: unknown): string =>
  u === undefined ? "nothing" : u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "string" ? JSON.stringify(u.slice(0, 40)) : typeof u

/** One element of the body: a Call, or the -32600 answer it gets (even without an id, per the specification). */
export const checkRequest = (u: unknown): Either.Either<Call, Response> => {
  if (!isObject(u)) return Either.left(invalidRequest(null, `a request must be a JSON object (got ${describe(u)})`))
  const hasId = Object.hasOwn(u, "id")
  const rawId = u["id"]
  if (hasId && !isId(rawId)) {
    return Either.left(invalidRequest(null, `"id" must be a string, a number or null (got ${describe(rawId)})`))
  }
  const id: Id = hasId && isId(rawId) ? rawId : null
  if (u["jsonrpc"] !== "2.0") {
    return Either.left(invalidRequest(id, `"jsonrpc" must be exactly "2.0" (got ${describe(u["jsonrpc"])})`))
  }
  const method = u["method"]
  if (typeof method !== "string") {
    return Either.left(invalidRequest(id, `"method" must be a string (got ${describe(method)})`))
  }
  const params = u["params"]
  if (Object.hasOwn(u, "params") && (typeof params !== "object" || params === null)) {
    return Either.left(invalidRequest(id, `"params" must be an object or an array when present (got ${describe(params)})`))
  }
  const unknown = Object.keys(u).find((key) => !members.has(key))
  if (unknown !== undefined) {
    return Either.left(
      invalidRequest(id, `unknown member ${JSON.stringify(unknown.slice(0, 40))} (allowed: jsonrpc, method, params, id)`)
    )
  }
  return Either.right({
    id: hasId ? Option.some(id) : Option.none(),
    method,
    params: params as Call["params"]
  })
}

/** What a body holds: one request, a batch of them, or an answer for the whole body (parse error, empty batch). */
export type Parsed =
  | { readonly _tag: "Single"; readonly request: Either.Either<Call, Response> }
  | { readonly _tag: "Batch"; readonly requests: ReadonlyArray<Either.Either<Call, Response>> }
  | { readonly _tag: "Refused"; readonly response: Response }

const utf8 = new TextDecoder("utf-8", { fatal: true })

export const parse = (body: Uint8Array, maxBatch: number): Parsed => {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    return { _tag: "Refused", response: parseError("the request body is not valid UTF-8") }
  }
  if (text.trim() === "") {
    return { _tag: "Refused", response: parseError("the request body is empty: expected a JSON-RPC 2.0 request or batch") }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return { _tag: "Refused", response: parseError(`malformed JSON: ${e instanceof Error ? e.message : "parse error"}`) }
  }
  if (!Array.isArray(json)) return { _tag: "Single", request: checkRequest(json) }
  if (json.length === 0) return { _tag: "Refused", response: invalidRequest(null, "a batch must hold at least one request") }
  if (json.length > maxBatch) {
    return {
      _tag: "Refused",
      response: invalidRequest(null, `a batch holds at most ${maxBatch} requests (got ${json.length})`)
    }
  }
  return { _tag: "Batch", requests: json.map(checkRequest) }
}
