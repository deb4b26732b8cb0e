/**
 * ActionLog as an append-only JSON-lines file (mode 0600) plus the hub's log stream. Lines are queued
 * and appended in batches by one scoped fiber, so a call never waits for the disk; the file and its
 * directory are created on the first line (a hub that runs no action writes nothing) and the file stays
 * open; at shutdown the rest of the queue is written before it closes.
 */
import { FileSystem } from "@effect/platform"
import { Config, Effect, ExecutionStrategy, Layer, Option, Queue, Ref, Schedule, Scope } from "effect"
import * as Path from "node:path"
import { ActionLog, type ActionLogEntry } from "../../services/ActionLog.js"

const BATCH = 512

/** ACTIONS_LOG_PATH, default `<data dir>/logs/actions.log`. */
export const pathFromEnv = (dataDir: string) =>
  Config.option(Config.nonEmptyString("ACTIONS_LOG_PATH")).pipe(
    Config.map((path) => path._tag === "Some" ? path.value : Path.join(dataDir, "logs", "actions.log"))
  )

export const make = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    // A child scope made now closes after the drain finalizer below (finalizers run in reverse order).
    const fileScope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const queue = yield* Queue.unbounded<string>()
    const encoder = new TextEncoder()
    // Opened on the first line and kept open (in the layer's scope) until shutdown.
    const file = yield* Ref.make(Option.none<FileSystem.File>())

    const opened = Effect.gen(function*() {
      const current = yield* Ref.get(file)
      if (Option.isSome(current)) return current.value
      yield* fs.makeDirectory(Path.dirname(path), { recursive: true })
      const handle = yield* Scope.extend(fs.open(path, { flag: "a", mode: 0o600 }), fileScope)
      yield* Ref.set(file, Option.some(handle))
      return handle
    })

    const append = (lines: ReadonlyArray<string>) =>
      Effect.flatMap(opened, (handle) => handle.writeAll(encoder.encode(lines.join("")))).pipe(
        Effect.catchAll((e) =>
          Effect.logWarning("actions: could not append to the action log").pipe(
            Effect.annotateLogs({ path, reason: e.message, lines: lines.length })
          )
        )
      )

    yield* Queue.takeBetween(queue, 1, BATCH).pipe(
      Effect.flatMap((batch) => append(Array.from(batch))),
      Effect.repeat(Schedule.forever),
      Effect.annotateLogs({ worker: "action-log" }),
      Effect.forkScoped
    )
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(Queue.takeAll(queue), (rest) => (rest.length === 0 ? Effect.void : append(Array.from(rest))))
    )

    const write = (entry: ActionLogEntry) =>
      Queue.offer(queue, `${JSON.stringify(entry)}\n`).pipe(
        Effect.zipRight(Effect.logInfo("action call").pipe(Effect.annotateLogs({ ...entry })))
      )

    return ActionLog.of({ write })
  })

export const layerAt = (path: string) => Layer.scoped(ActionLog, make(path))

/** The log at ACTIONS_LOG_PATH, or under `dataDir`. */
export const layerConfig = (dataDir: string) => Layer.scoped(ActionLog, Effect.flatMap(pathFromEnv(dataDir), make))
