/**
 * The two servers of `npm run bench:http-floor`, on BASELINE_PORT: `bare` (node:http: read the body, answer
 * 202 with a small JSON) and `effect` (the same as one @effect/platform HttpLayerRouter route on
 * NodeHttpServer, tracer and HTTP span off as in the hub). Both answer GET /health for the readiness check.
 *
 *   tsx scripts/bench/HttpFloorServer.ts bare|effect
 */
import { HttpLayerRouter, HttpMiddleware, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, FiberRef, Layer } from "effect"
import { constTrue } from "effect/Function"
import { createServer } from "node:http"

const port = Number(process.env["BASELINE_PORT"] ?? 7901)
const answer = (bytes: number) => ({ status: "accepted", bytes })

if (process.argv[2] === "bare") {
  createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = JSON.stringify(answer(Buffer.concat(chunks).length))
      res.writeHead(req.method === "GET" ? 200 : 202, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
      res.end(body)
    })
  }).listen(port, "127.0.0.1")
} else {
  const routes = HttpLayerRouter.use((router) =>
    Effect.all([
      router.add("GET", "/health", Effect.succeed(HttpServerResponse.unsafeJson(answer(0)))),
      router.add("POST", "/api/ingest", (request) =>
        Effect.map(request.arrayBuffer, (body) => HttpServerResponse.unsafeJson(answer(body.byteLength), { status: 202 })))
    ])
  )
  const untraced = Layer.scopedDiscard(Effect.zipRight(
    Effect.locallyScoped(FiberRef.currentTracerEnabled, false),
    Effect.locallyScopedWith(HttpMiddleware.currentTracerDisabledWhen, () => constTrue)
  ))
  const server = HttpLayerRouter.serve(routes, { disableLogger: true }).pipe(
    Layer.provide(NodeHttpServer.layer(() => createServer(), { port, host: "127.0.0.1" })),
    Layer.provide(untraced)
  )
  NodeRuntime.runMain(Layer.launch(server))
}
