/** Input bounds of the Resources face: every refusal is ResourceInvalid naming the path, never quoting the value. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { ResourceOperation } from "../../services/ConnectorOperations.js"
import * as Bounds from "../../src/sdk/Bounds.js"

/** The paths of every issue ([] when the operation is within bounds). */
const pathsOf = (declared: ReadonlyArray<string> | "*", op: ResourceOperation) =>
  Effect.match(Bounds.checkOperation(declared, op), { onFailure: (e) => e.issues.map((i) => i.path), onSuccess: () => [] })

const nested = (depth: number): Record<string, unknown> => (depth === 0 ? { leaf: 1 } : { n: nested(depth - 1) })

describe("Bounds", () => {
  it.effect("a list query defaults its limit to 50 and takes 1–500", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Bounds.listQuery({}), { filter: {}, limit: 50 })
      assert.strictEqual((yield* Bounds.listQuery({ limit: 500 })).limit, 500)
      for (const limit of [0, 501, 2.5, -1]) {
        const e = yield* Effect.flip(Bounds.listQuery({ limit }))
        assert.deepStrictEqual(e.issues.map((i) => i.path), ["limit"])
      }
    }))

  it.effect("types: the pattern, and a type the connector does not declare", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* pathsOf("*", { _tag: "get", type: "Items!", id: "a" }), ["resource_type"])
      assert.deepStrictEqual(yield* pathsOf("*", { _tag: "get", type: "x".repeat(41), id: "a" }), ["resource_type"])
      assert.deepStrictEqual(yield* pathsOf(["messages"], { _tag: "get", type: "folders", id: "a" }), ["resource_type"])
      const ok = yield* Bounds.checkOperation(["messages"], { _tag: "get", type: "messages", id: "a" })
      assert.strictEqual(ok._tag, "get")
    }))

  it.effect("ids: pattern and length, on get/update/delete and on a payload's id", () =>
    Effect.gen(function*() {
      for (const id of ["", "../x", "a b", "x".repeat(129), "-lead"]) {
        assert.deepStrictEqual(yield* pathsOf("*", { _tag: "delete", type: "items", id }), ["resource_id"], id)
      }
      assert.deepStrictEqual(yield* pathsOf("*", { _tag: "create", type: "items", payload: { id: "a/b" } }), ["payload.id"])
      assert.deepStrictEqual(yield* pathsOf("*", { _tag: "create", type: "items", payload: { id: 5 } }), ["payload.id"])
    }))

  it.effect("payloads: size, depth, key count, key length and non-finite numbers, naming the path", () =>
    Effect.gen(function*() {
      const create = (payload: Record<string, unknown>): ResourceOperation => ({ _tag: "create", type: "items", payload })
      assert.deepStrictEqual(yield* pathsOf("*", create({ body: "x".repeat(70_000) })), ["payload"])
      assert.deepStrictEqual(yield* pathsOf("*", create(nested(7))), [], "depth 8 is allowed")
      assert.deepStrictEqual(yield* pathsOf("*", create(nested(8))), ["payload.n.n.n.n.n.n.n.n"])
      const many = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`k${i}`, i]))
      assert.deepStrictEqual(yield* pathsOf("*", create(many)), ["payload"])
      assert.deepStrictEqual(yield* pathsOf("*", create({ ["k".repeat(129)]: 1 })), ["payload"])
      assert.deepStrictEqual(yield* pathsOf("*", create({ a: { b: [1, Number.NaN] } })), ["payload.a.b[1]"])
      assert.deepStrictEqual(yield* pathsOf("*", { _tag: "update", type: "items", id: "a", patch: { x: Infinity } }), ["patch.x"])
      const deep = JSON.parse(`{"d":${"[".repeat(5000)}${"]".repeat(5000)}}`) as Record<string, unknown>
      assert.deepStrictEqual((yield* pathsOf("*", create(deep))).length, 1, "thousands deep is refused, not a stack overflow")
      // Text Postgres cannot store is the caller's error (400), never the store's (503).
      assert.deepStrictEqual(yield* pathsOf("*", create({ a: ["ok", "nul\u0000"] })), ["payload.a[1]"])
      assert.deepStrictEqual(yield* pathsOf("*", create({ s: "lone \ud800" })), ["payload.s"])
      assert.deepStrictEqual(yield* pathsOf("*", create({ ["k\u0000"]: 1 })), ["payload"])
    }))

  it.effect("filters and page tokens: count, field names, value length; the message never quotes a value", () =>
    Effect.gen(function*() {
      const list = (filter: Record<string, string | number | boolean | null>, pageToken?: string): ResourceOperation => ({
        _tag: "list",
        type: "items",
        query: { filter, limit: 10, ...(pageToken === undefined ? {} : { pageToken }) }
      })
      const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, i]))
      assert.deepStrictEqual(yield* pathsOf("*", list(nine)), ["filter"])
      assert.deepStrictEqual(yield* pathsOf("*", list({ "a.b": 1 })), ["filter"])
      assert.deepStrictEqual(yield* pathsOf("*", list({ folder: "secret-value".repeat(30) })), ["filter.folder"])
      assert.deepStrictEqual(yield* pathsOf("*", list({}, "t".repeat(257))), ["page_token"])
      assert.deepStrictEqual(yield* pathsOf("*", list({}, "t\u0000")), ["page_token"])
      assert.deepStrictEqual(yield* pathsOf("*", list({ folder: "in\u0000box" })), ["filter.folder"])
      const e = yield* Effect.flip(Bounds.checkOperation("*", list({ folder: "secret-value".repeat(30) })))
      assert.notInclude(e.message, "secret-value")
    }))
})
