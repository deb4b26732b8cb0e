/** The HTTP edge's catch-all: whatever a route fails with, the client gets a JSON body; 5xx are counted. */
import { HttpServerError, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Metric } from "effect"
import * as Failures from "../../src/http/Failures.js"
import { ValidationError } from "../../src/domain/Errors.js"

const request = HttpServerRequest.fromWeb(new Request("http://hub.test/api/ingest", { method: "POST" }))

const bodyOf = (response: HttpServerResponse.HttpServerResponse) =>
  Effect.sync(() => {
    const body = response.body
    assert.strictEqual(body._tag, "Uint8Array")
    return body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(body.body)) as Record<string, unknown> : {}
  })

const count = (status: string) =>
  Effect.map(Metric.value(Metric.tagged(Failures.serverErrors, "status", status)), (s) => s.count)

describe("HTTP catch-all", () => {
  it.effect("a defect becomes 500 InternalError with a JSON body, never echoing the defect, and is counted", () =>
    Effect.gen(function*() {
      const before = yield* count("500")
      const response = yield* Failures.catchAll(request, Effect.die(new Error("secret payload text")))
      assert.strictEqual(response.status, 500)
      const body = yield* bodyOf(response)
      assert.strictEqual(body["_tag"], "InternalError")
      assert.notInclude(JSON.stringify(body), "secret payload text")
      assert.strictEqual((yield* count("500")) - before, 1)
    }))

  it.effect("an empty 4xx answer gets a JSON body saying what was wrong", () =>
    Effect.gen(function*() {
      const response = yield* Failures.catchAll(request, Effect.succeed(HttpServerResponse.empty({ status: 404 })))
      assert.strictEqual(response.status, 404)
      assert.include(String((yield* bodyOf(response))["message"]), "/api/ingest")
    }))

  it.effect("an empty 5xx answer from a route gets a JSON body", () =>
    Effect.gen(function*() {
      const response = yield* Failures.catchAll(request, Effect.succeed(HttpServerResponse.empty({ status: 500 })))
      assert.strictEqual(response.status, 500)
      assert.strictEqual((yield* bodyOf(response))["_tag"], "InternalError")
    }))

  it.effect("a route interrupted by the hub (shutting down) is 503 Unavailable with a JSON body", () =>
    Effect.gen(function*() {
      const response = yield* Failures.catchAll(request, Effect.interrupt)
      assert.strictEqual(response.status, 503)
      assert.strictEqual((yield* bodyOf(response))["_tag"], "Unavailable")
    }))

  it.effect("a client that went away is passed on as a client abort, not answered", () =>
    Effect.gen(function*() {
      const exit = yield* Failures.catchAll(request, Effect.interruptWith(HttpServerError.clientAbortFiberId)).pipe(
        Effect.fork,
        Effect.flatMap(Fiber.await)
      )
      assert.strictEqual(exit._tag, "Failure")
    }))

  it.effect("an error that answers for itself keeps its answer (an unknown route stays 404)", () =>
    Effect.gen(function*() {
      const response = yield* Failures.catchAll(request, Effect.fail(new HttpServerError.RouteNotFound({ request })))
      assert.strictEqual(response.status, 404)
      assert.strictEqual((yield* bodyOf(response))["_tag"], "NotFound")
    }))

  it.effect("a tagged error no route mapped is the hub's fault: 500 with a JSON body", () =>
    Effect.gen(function*() {
      const response = yield* Failures.catchAll(request, Effect.fail(new ValidationError({ message: "bad", issues: [] })))
      assert.strictEqual(response.status, 500)
      assert.strictEqual((yield* bodyOf(response))["_tag"], "InternalError")
    }))
})
