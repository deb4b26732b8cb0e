/**
 * Reads what a server answered to one load request: per envelope, accepted (new or duplicate) or
 * rejected; for the whole request, an error label ("429 Overloaded", "rpc Unauthorized", …).
 */
import { Either, Schema } from "effect"

/** The protocol a load request speaks. `rest` also drives the baseline server. */
export const Mode = Schema.Literal("rest", "rpc", "rpc-batch")
export type Mode = typeof Mode.Type

/** Per envelope of the request, in order: `true` duplicate, `false` newly stored, `"rejected"`. */
export type ItemOutcome = boolean | "rejected"

export type Answer =
  | { readonly _tag: "Answered"; readonly items: ReadonlyArray<ItemOutcome> }
  | { readonly _tag: "Failed"; readonly label: string }

const Single = Schema.parseJson(Schema.Struct({ duplicate: Schema.Boolean }))
const Item = Schema.Union(
  Schema.Struct({ status: Schema.Literal("accepted"), duplicate: Schema.Boolean }),
  Schema.Struct({ status: Schema.Literal("rejected") })
)
const Batch = Schema.Struct({ results: Schema.Array(Item) })
const Tagged = Schema.Struct({ _tag: Schema.String })
const TaggedJson = Schema.parseJson(Tagged)
const Cause = Schema.Struct({ _tag: Schema.String, error: Schema.optional(Tagged) })
const RpcLine = Schema.parseJson(Schema.Union(
  Schema.Struct({
    _tag: Schema.Literal("Exit"),
    exit: Schema.Union(
      Schema.Struct({ _tag: Schema.Literal("Success"), value: Schema.Unknown }),
      Schema.Struct({ _tag: Schema.Literal("Failure"), cause: Cause })
    )
  }),
  Schema.Struct({ _tag: Schema.Literal("Defect") })
))

const decodeSingle = Schema.decodeUnknownEither(Single)
const decodeBatch = Schema.decodeUnknownEither(Batch)
const decodeTagged = Schema.decodeUnknownEither(TaggedJson)
const decodeRpc = Schema.decodeUnknownEither(RpcLine)
// Made once: a decoder built per answer cost the load generator CPU on the cores it shares with the server.
const decodeRpcSingle = Schema.decodeUnknownEither(Schema.Struct({ duplicate: Schema.Boolean }))

const failed = (label: string): Answer => ({ _tag: "Failed", label })
const answered = (items: ReadonlyArray<ItemOutcome>): Answer => ({ _tag: "Answered", items })

const restAnswer = (status: number, body: string): Answer => {
  if (status === 202) {
    return Either.match(decodeSingle(body), {
      onLeft: () => failed("202 unreadable answer"),
      onRight: (a) => answered([a.duplicate])
    })
  }
  return failed(Either.match(decodeTagged(body), { onLeft: () => `${status}`, onRight: (t) => `${status} ${t._tag}` }))
}

const rpcValue = (mode: Mode, value: unknown): Answer => {
  if (mode === "rpc") {
    return Either.match(decodeRpcSingle(value), {
      onLeft: () => failed("rpc unreadable answer"),
      onRight: (a) => answered([a.duplicate])
    })
  }
  return Either.match(decodeBatch(value), {
    onLeft: () => failed("rpc unreadable batch answer"),
    onRight: (b) => answered(b.results.map((r) => (r.status === "accepted" ? r.duplicate : "rejected")))
  })
}

const rpcAnswer = (mode: Mode, status: number, body: string): Answer => {
  if (status !== 200) return failed(`${status}`)
  const line = body.split("\n", 1)[0] ?? ""
  return Either.match(decodeRpc(line), {
    onLeft: () => failed(line === "" ? "rpc empty answer" : "rpc unreadable answer"),
    onRight: (msg) => {
      if (msg._tag === "Defect") return failed("rpc Defect")
      if (msg.exit._tag === "Success") return rpcValue(mode, msg.exit.value)
      const cause = msg.exit.cause
      return failed(`rpc ${cause._tag === "Fail" && cause.error !== undefined ? cause.error._tag : cause._tag}`)
    }
  })
}

/** What the server answered, read the way `mode` encodes answers. */
export const read = (mode: Mode, status: number, body: string): Answer =>
  mode === "rest" ? restAnswer(status, body) : rpcAnswer(mode, status, body)
