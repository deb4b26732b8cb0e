/** Small helpers for the dashboard API tests: GET with a token, typed reads of JSON bodies. */
import { Effect, Schema } from "effect"
import { request } from "../../support/Http.js"

export const get = (url: string, token: string | undefined) =>
  request(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })

/** GETs and decodes a 200 answer with the response schema (fails the test on any other status or shape). */
export const getAs = <A, I>(schema: Schema.Schema<A, I>, url: string, token: string) =>
  Effect.gen(function*() {
    const res = yield* get(url, token)
    if (res.status !== 200) return yield* Effect.dieMessage(`GET ${url}: ${res.status} ${JSON.stringify(res.body)}`)
    return yield* Schema.decodeUnknown(schema)(res.body, { onExcessProperty: "error" }).pipe(Effect.orDie)
  })
