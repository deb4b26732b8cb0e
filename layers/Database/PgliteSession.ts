/**
 * PGlite as the socket server should see it: the one backend session is handed to one connection for
 * a whole protocol cycle. pglite-socket 0.2.17 queues every frontend message on its own and keeps a
 * connection's messages together only inside a transaction (electric-sql/pglite#1046), so another
 * connection's Parse could replace the unnamed statement between a Parse and its Bind: "bind message
 * supplies 1 parameters, but prepared statement "" requires 8", or rows of the wrong query. Reporting
 * "in a transaction" from any frontend message until the backend answers ReadyForQuery makes the
 * socket server's queue serve that connection's messages first.
 */
import type { PGlite } from "@electric-sql/pglite"

const READY_FOR_QUERY = 0x5a
const TERMINATE = 0x58

export const oneCycleAtATime = (db: PGlite): PGlite => {
  let midCycle = false
  // Backend messages are scanned for ReadyForQuery; a 5-byte header (type, int32 length) may span chunks.
  let header: Array<number> = []
  let skip = 0
  const scan = (data: Uint8Array) => {
    for (let i = 0; i < data.length;) {
      if (skip > 0) {
        const n = Math.min(skip, data.length - i)
        skip -= n
        i += n
        continue
      }
      header.push(data[i++]!)
      if (header.length < 5) continue
      const [type, a, b, c, d] = header as [number, number, number, number, number]
      skip = ((a << 24) | (b << 16) | (c << 8) | d) - 4
      header = []
      if (type === READY_FOR_QUERY) midCycle = false
    }
  }
  const execProtocolRawStream: PGlite["execProtocolRawStream"] = (message, options) => {
    // A startup packet (no type byte) ends in ReadyForQuery too; Terminate gets no answer.
    if (message[0] !== TERMINATE) midCycle = true
    return db.execProtocolRawStream(message, {
      ...options,
      onRawData: (data) => {
        scan(data)
        options.onRawData(data)
      }
    })
  }
  // The socket server's ROLLBACK for a connection that went away mid-cycle ends that cycle.
  const exec: PGlite["exec"] = (...args) => db.exec(...args).finally(() => (midCycle = false))
  return new Proxy(db, {
    get: (target, key) => {
      if (key === "isInTransaction") return () => midCycle || target.isInTransaction()
      if (key === "execProtocolRawStream") return execProtocolRawStream
      if (key === "exec") return exec
      const value: unknown = Reflect.get(target, key, target)
      return typeof value === "function" ? value.bind(target) : value
    }
  })
}
