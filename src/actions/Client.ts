/**
 * The typed client of ActionsRpcs at `<hub>/actions/rpc` (NDJSON), with the hub's bearer-token
 * handling (src/rpc/Client.ts): `yield* ActionsClient` then `client.ActionSend({action, body})`.
 */
import type { RpcClientError } from "@effect/rpc"
import { RpcClient } from "@effect/rpc"
import { Context, Layer, type Redacted } from "effect"
import { authLayer, protocolLayer } from "../rpc/Client.js"
import { ActionsRpcs } from "./Rpcs.js"

export class ActionsClient extends Context.Tag("switchboard/ActionsClient")<
  ActionsClient,
  RpcClient.FromGroup<typeof ActionsRpcs, RpcClientError.RpcClientError>
>() {}

/** `url` is the hub's base URL; the protocol posts to `<url>/actions/rpc`. */
export const layer = (options: { readonly url: string; readonly token: Redacted.Redacted<string> }) =>
  Layer.scoped(ActionsClient, RpcClient.make(ActionsRpcs)).pipe(
    Layer.provide(Layer.merge(protocolLayer(`${options.url.replace(/\/+$/, "")}/actions`, options.token), authLayer(options.token)))
  )
