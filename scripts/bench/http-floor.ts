/**
 * `npm run bench:http-floor` (issue 14): what one HTTP request costs the Effect platform itself, next to
 * bare node:http, in one run: the same POST (1.5 KB body, small JSON answer) to both servers of
 * HttpFloorServer.ts under `wrk` (64 connections), CPU per request of the server process from /proc. The
 * difference is the per-request floor of any @effect/platform route (a fiber per request, its context and
 * FiberRefs, the response pipeline), which the hub's single-envelope routes pay before any of their own work.
 * Needs `wrk` (Debian package wrk).
 *
 *   npm run bench:http-floor [-- --duration 10]
 */
import { Command as Cli, Options } from "@effect/cli"
import { Command, FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer, Option } from "effect"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Processes from "./Processes.js"

const server = Path.resolve(import.meta.dirname, "HttpFloorServer.ts")
const loadAvg = () => Os.loadavg().map((n) => n.toFixed(2)).join(" ")

const measure = (kind: "bare" | "effect", duration: number, script: string, logDir: string) =>
  Effect.scoped(Effect.gen(function*() {
    const started = yield* Processes.startServer(
      Command.make(process.execPath, "--import", "tsx", server, kind),
      {},
      "/health",
      Path.join(logDir, `http-floor-${kind}.log`)
    )
    const wrk = (seconds: number) =>
      Command.string(Command.make("wrk", "-t1", "-c64", `-d${seconds}s`, "-s", script, `${started.url}/api/ingest`))
    yield* wrk(2)
    const before = yield* Processes.cpuSeconds(started.pid)
    const out = yield* wrk(duration)
    const after = yield* Processes.cpuSeconds(started.pid)
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0)
    const cpu = Option.isSome(before) && Option.isSome(after) ? after.value - before.value : Number.NaN
    return { kind, requests, per_s: requests / duration, cpu_us_per_request: (cpu * 1e6) / requests }
  }))

const bench = Cli.make("bench-http-floor", { duration: Options.integer("duration").pipe(Options.withDefault(10)) }, ({ duration }) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    const script = Path.join(dir, "post.lua")
    yield* fs.writeFileString(script, `wrk.method = "POST"\nwrk.body = string.rep("x", 1500)\nwrk.headers["Content-Type"] = "application/json"\n`)
    yield* fs.makeDirectory("bench-results/logs", { recursive: true })
    yield* Console.log(`http floor: ${duration} s per server under wrk -c64; load average ${loadAvg()}`)
    const results = [yield* measure("bare", duration, script, "bench-results/logs"), yield* measure("effect", duration, script, "bench-results/logs")]
    for (const r of results) {
      yield* Console.log(`${r.kind.padEnd(8)} ${r.per_s.toFixed(0).padStart(8)} requests/s  ${r.cpu_us_per_request.toFixed(1).padStart(7)} µs CPU/request`)
    }
    const [bare, effect] = results
    if (bare !== undefined && effect !== undefined) {
      yield* Console.log(`effect − bare: ${(effect.cpu_us_per_request - bare.cpu_us_per_request).toFixed(1)} µs CPU per request; load average after ${loadAvg()}`)
    }
  }).pipe(Effect.scoped))

Cli.run(bench, { name: "bench-http-floor", version: "0.1.0" })(process.argv).pipe(
  Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)),
  NodeRuntime.runMain
)
