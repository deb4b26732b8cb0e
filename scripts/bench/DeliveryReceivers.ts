/**
 * Webhook receivers for `npm run bench:delivery`, in their own process (so they do not share the
 * hub's event loop): N node:http servers answering 204 at once, counting requests and distinct
 * webhook-ids. Prints `{"ports":[…]}` when listening; `GET /stats` on any of them answers the counts.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import * as Http from "node:http"

const count = Number(process.argv[2] ?? "2")
const stats = { requests: 0, unique: 0, byPort: {} as Record<string, number> }
const seen = new Set<string>()

const listen = Effect.async<number>((resume) => {
  const server = Http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/stats") {
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify(stats))
      return
    }
    req.resume()
    req.on("end", () => {
      const id = req.headers["webhook-id"]
      const port = String(req.socket.localPort)
      stats.requests++
      stats.byPort[port] = (stats.byPort[port] ?? 0) + 1
      if (typeof id === "string" && !seen.has(id)) {
        seen.add(id)
        stats.unique++
      }
      res.writeHead(204)
      res.end()
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
  })
})

Effect.gen(function*() {
  const ports = yield* Effect.all(Array.from({ length: count }, () => listen))
  yield* Console.log(JSON.stringify({ ports }))
  return yield* Effect.never
}).pipe(NodeRuntime.runMain)
