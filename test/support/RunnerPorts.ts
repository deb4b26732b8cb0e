/**
 * Cluster runner ports for tests and benches that start several hubs: handed out in order from a range,
 * each checked free before it is given. The ranges used lie inside Linux's ephemeral range
 * (32768–60999), so a client socket of any process may hold one for a while: a taken port is skipped.
 */
import { Data, Effect } from "effect"
import * as Net from "node:net"

/** Runner ports handed out in order from [next, to]. */
export interface Ports {
  next: number
  readonly to: number
}

export const range = (from: number, to: number): Ports => ({ next: from, to })

/** Every port of the range was handed out or taken. */
export class NoFreePort extends Data.TaggedError("NoFreePort")<{ readonly to: number }> {
  override get message() {
    return `no free runner port left up to ${this.to}`
  }
}

/** Can 127.0.0.1:`port` be listened on right now? */
const free = (port: number) =>
  Effect.async<boolean>((resume) => {
    const server = Net.createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen(port, "127.0.0.1", () => server.close(() => resume(Effect.succeed(true))))
  })

/** The next free port of the range (never one handed out before). */
export const take = (ports: Ports): Effect.Effect<number, NoFreePort> =>
  Effect.suspend(() => {
    if (ports.next > ports.to) return Effect.fail(new NoFreePort({ to: ports.to }))
    const port = ports.next++
    return Effect.flatMap(free(port), (ok) => (ok ? Effect.succeed(port) : take(ports)))
  })
