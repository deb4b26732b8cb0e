/**
 * The embedded database: PGlite persisted under `<dataDir>/pgdata`, served over the Postgres wire
 * protocol on a Unix socket inside the data directory (mode 0700, so no other OS user can reach it)
 * so `@effect/sql-pg` talks to it like any Postgres. The serving process writes
 * `<dataDir>/embedded.json` (socket directory, pid); another process (the CLI while the hub runs)
 * connects to that socket instead of opening the same files twice.
 */
import { PGlite } from "@electric-sql/pglite"
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { SqlError } from "@effect/sql"
import { Data, Effect, Layer, Schema } from "effect"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { DatabaseLocation } from "../../services/Database.js"
import { EmbeddedTuning, type Tuning } from "./EmbeddedTuning.js"
import * as PgDatabase from "./PgDatabase.js"
import * as PgliteSession from "./PgliteSession.js"

class EmbeddedStartFailed extends Data.TaggedError("EmbeddedStartFailed")<{ readonly step: string; readonly cause: unknown }> {}

const ServedInfo = Schema.parseJson(Schema.Struct({ host: Schema.String, port: Schema.Number, pid: Schema.Number }))

const servedFile = (dataDir: string) => Path.join(dataDir, "embedded.json")

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The port another live process serves this data directory on, if any. */
const findServer = (dataDir: string) =>
  Effect.sync(() => {
    try {
      return Fs.readFileSync(servedFile(dataDir), "utf8")
    } catch {
      return undefined
    }
  }).pipe(
    Effect.flatMap((text) => text === undefined ? Effect.succeed(undefined) : Schema.decode(ServedInfo)(text)),
    Effect.map((info) => (info !== undefined && info.pid !== process.pid && isAlive(info.pid) ? info : undefined)),
    Effect.orElseSucceed(() => undefined)
  )

const freePort = Effect.async<number, EmbeddedStartFailed>((resume) => {
  const server = Net.createServer()
  server.once("error", (cause) => resume(Effect.fail(new EmbeddedStartFailed({ step: "find a free port", cause }))))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** A shutdown step that must not fail the shutdown: a failure is logged with its reason and ignored. */
const closing = (step: string, f: () => Promise<unknown>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new EmbeddedStartFailed({ step, cause }) }).pipe(
    Effect.catchAll((e) =>
      Effect.logWarning(`embedded database: could not ${e.step}`).pipe(
        Effect.annotateLogs({ reason: e.cause instanceof Error ? e.cause.message : String(e.cause) })
      )
    )
  )

const attempt = <A>(step: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new EmbeddedStartFailed({ step, cause }) })

/** node-postgres reaches a Unix socket as host = its directory, port = the number in `.s.PGSQL.<port>`. */
const SOCKET_PORT = 5432
const socketPath = (dir: string) => Path.join(dir, `.s.PGSQL.${SOCKET_PORT}`)
/** Unix socket paths are limited to 107 bytes on Linux (EFFECT_NOTES G28). */
const MAX_SOCKET_PATH = 107
const fits = (dir: string) => Buffer.byteLength(socketPath(dir)) <= MAX_SOCKET_PATH

const privately = <A>(step: string, f: () => A) =>
  Effect.try({ try: f, catch: (cause) => new EmbeddedStartFailed({ step, cause }) })

/**
 * The directory to put the socket in: the data directory itself (made 0700), or, when its path is too
 * long for a socket, a fresh 0700 directory under the system temp dir, removed with the scope. Either
 * way only this OS user can reach the socket.
 */
const socketDir = (dataDir: string) =>
  Effect.gen(function*() {
    yield* privately(`make ${dataDir} private (chmod 0700)`, () => Fs.chmodSync(dataDir, 0o700))
    if (fits(dataDir)) {
      // No live server owns this directory (findServer said so): a socket left by a killed hub is stale.
      yield* privately("remove a stale socket", () => Fs.rmSync(socketPath(dataDir), { force: true }))
      return dataDir
    }
    const dir = yield* Effect.acquireRelease(
      privately("make a private socket directory", () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "switchboard-"))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    )
    if (!fits(dir)) {
      return yield* new EmbeddedStartFailed({
        step: "serve PGlite on a Unix socket",
        cause: new Error(`${socketPath(dataDir)} is longer than ${MAX_SOCKET_PATH} bytes: use a shorter SWITCHBOARD_DATA_DIR`)
      })
    }
    return dir
  })

/** Extensions the migrations create (PGlite ships contrib modules as separate bundles, loaded only when listed). */
const extensions = { pg_trgm }

/** PGlite's options for `tuning`: its own start parameters, with the settings the tuning changes. */
const optionsFor = (tuning: Tuning) => ({
  extensions,
  ...(tuning.sharedBuffers === undefined ? {} : { startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${tuning.sharedBuffers}`] })
})

/**
 * Opens PGlite on the data directory and serves it, for the life of the scope, on a Unix socket only this
 * OS user can reach (PGlite checks no password, so a TCP port would let any local user in). A throwaway
 * in-memory database (`dataDir` undefined: tests, benchmarks) is served on a free loopback port.
 */
export const serve = (dataDir: string | undefined, maxConnections: number, tuning: Tuning = EmbeddedTuning.defaultValue()) =>
  Effect.gen(function*() {
    if (dataDir !== undefined) {
      yield* privately(`create ${dataDir}`, () => Fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 }))
    }
    const db = yield* Effect.acquireRelease(
      attempt("open PGlite", () =>
        dataDir === undefined ? PGlite.create(optionsFor(tuning)) : PGlite.create(Path.join(dataDir, "pgdata"), optionsFor(tuning))),
      (db) => closing("close PGlite", () => db.close())
    )
    const socket = dataDir === undefined ? undefined : yield* socketDir(dataDir)
    const listen = socket === undefined ? { host: "127.0.0.1", port: yield* freePort } : { host: socket, port: SOCKET_PORT }
    const server = new PGLiteSocketServer({
      db: PgliteSession.oneCycleAtATime(db),
      ...(socket === undefined ? { host: listen.host, port: listen.port } : { path: socketPath(socket) }),
      maxConnections
    })
    yield* Effect.acquireRelease(
      attempt("serve PGlite", () => server.start()),
      () => closing("stop the PGlite socket server", () => server.stop())
    )
    if (dataDir !== undefined) {
      const file = servedFile(dataDir)
      yield* Effect.acquireRelease(
        privately(`write ${file}`, () =>
          Fs.writeFileSync(file, JSON.stringify({ host: listen.host, port: listen.port, pid: process.pid }), { mode: 0o600 })),
        () => Effect.sync(() => Fs.rmSync(file, { force: true }))
      )
    }
    return listen
  })

export interface Options {
  readonly dataDir: string
  readonly poolSize: number
}

export const layer = (options: Options) =>
  Layer.unwrapScoped(
    Effect.gen(function*() {
      const dataDir = Path.resolve(options.dataDir)
      const running = yield* findServer(dataDir)
      const target = running ?? (yield* serve(dataDir, options.poolSize + 4, yield* EmbeddedTuning))
      if (running !== undefined) yield* Effect.logDebug("embedded database: using the instance of a running hub")
      return Layer.merge(
        PgDatabase.clientLayer(
          { host: target.host, port: target.port, username: "postgres", database: "postgres" },
          { ...PgDatabase.defaults, poolSize: options.poolSize }
        ),
        Layer.succeed(DatabaseLocation, { kind: "embedded", where: dataDir })
      )
    }).pipe(
      Effect.mapError((e) =>
        new SqlError.SqlError({
          message: `embedded database: could not ${e.step}${e.cause instanceof Error ? `: ${e.cause.message}` : ""}`,
          cause: e.cause
        })
      )
    )
  )
