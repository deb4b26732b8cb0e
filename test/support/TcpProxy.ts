/**
 * A TCP proxy between the hub and its database, so a test can take the database away and bring it
 * back: `cut()` drops every connection and refuses new ones, `stall()` accepts but never answers,
 * `freeze()` keeps every open connection open but stops moving bytes (and stalls new ones), `restore()`
 * forwards again (dropping frozen connections).
 */
import { Effect } from "effect"
import * as Net from "node:net"

export interface TcpProxy {
  readonly port: number
  readonly cut: Effect.Effect<void>
  readonly stall: Effect.Effect<void>
  readonly freeze: Effect.Effect<void>
  readonly restore: Effect.Effect<void>
}

export const make = (target: { readonly host: string; readonly port: number }) =>
  Effect.acquireRelease(
    Effect.async<{ proxy: TcpProxy; server: Net.Server; sockets: Set<Net.Socket> }>((resume) => {
      let mode: "forward" | "cut" | "stall" | "frozen" = "forward"
      const sockets = new Set<Net.Socket>()
      const pairs = new Set<readonly [Net.Socket, Net.Socket]>()
      const track = (s: Net.Socket) => {
        sockets.add(s)
        s.on("close", () => sockets.delete(s))
        s.on("error", () => s.destroy())
      }
      const server = Net.createServer((client) => {
        track(client)
        if (mode === "cut") return client.destroy()
        if (mode === "stall" || mode === "frozen") return
        const upstream = Net.connect(target.port, target.host)
        track(upstream)
        client.pipe(upstream).pipe(client)
        const pair = [client, upstream] as const
        pairs.add(pair)
        client.on("close", () => pairs.delete(pair))
        client.on("close", () => upstream.destroy())
        upstream.on("close", () => client.destroy())
      })
      const dropAll = () => sockets.forEach((s) => s.destroy())
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({
          server,
          sockets,
          proxy: {
            port,
            cut: Effect.sync(() => {
              mode = "cut"
              dropAll()
            }),
            stall: Effect.sync(() => {
              mode = "stall"
              dropAll()
            }),
            freeze: Effect.sync(() => {
              mode = "frozen"
              pairs.forEach(([client, upstream]) => {
                client.unpipe(upstream)
                upstream.unpipe(client)
                client.pause()
                upstream.pause()
              })
            }),
            restore: Effect.sync(() => {
              if (mode === "frozen") dropAll()
              mode = "forward"
            })
          }
        }))
      })
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        sockets.forEach((s) => s.destroy())
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ proxy }) => proxy))
