/**
 * The checkpoint as a JSON file holding the cursor verbatim (Telegram: `{"last_update_id": 42}`).
 * A save writes a temp file beside it, fsyncs it, renames it over the old one and fsyncs the
 * directory, so a crash at any point leaves the old or the new checkpoint, never a torn one. The file
 * and its temp file are created 0600 and a directory the store creates 0700: a cursor is nobody else's
 * business (existing directories keep their mode).
 */
import { FileSystem, Path } from "@effect/platform"
import { DateTime, Effect, Either, Layer, Option, Random, Schema } from "effect"
import { type Checkpoint, type CheckpointRead, CheckpointSaveFailed, CheckpointStore } from "../../services/CheckpointStore.js"
import { Cursor } from "../../services/SourceConnector.js"

const decodeFile = Schema.decodeUnknownEither(Schema.parseJson(Cursor))

/** Mode of the checkpoint and its temp files. */
export const FILE_MODE = 0o600
/** Mode of the directories the store creates. */
export const DIRECTORY_MODE = 0o700

export const make = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const location = path.resolve(file)
    const dir = path.dirname(location)

    const corrupt = (why: string) =>
      Effect.logError(`checkpoint ${location} ${why}; starting from scratch`).pipe(
        Effect.annotateLogs({ checkpoint: location, degradation: "checkpoint_corrupt" }),
        Effect.as<CheckpointRead>({ _tag: "Corrupt", why })
      )

    /** The first start: not a fault, so not an error. */
    const firstStart = Effect.logInfo(`no checkpoint yet, starting from the beginning (${location})`).pipe(
      Effect.annotateLogs({ checkpoint: location }),
      Effect.as<CheckpointRead>({ _tag: "Missing" })
    )

    const read = Effect.gen(function*() {
      const text = yield* fs.readFileString(location).pipe(Effect.either)
      if (Either.isLeft(text)) {
        return yield* text.left._tag === "SystemError" && text.left.reason === "NotFound"
          ? firstStart
          : corrupt(`cannot be read (${text.left.message})`)
      }
      const cursor = decodeFile(text.right)
      if (Either.isLeft(cursor)) return yield* corrupt("is corrupt (not a JSON object)")
      const info = yield* fs.stat(location).pipe(Effect.option)
      const mtime = Option.flatMap(info, (i) => i.mtime)
      const updatedAt = Option.isSome(mtime) ? DateTime.unsafeFromDate(mtime.value) : yield* DateTime.now
      return { _tag: "Found", checkpoint: { cursor: cursor.right, updatedAt } } satisfies CheckpointRead
    }).pipe(Effect.withSpan("CheckpointStore.load"))

    const load = Effect.map(read, (r) => (r._tag === "Found" ? Option.some(r.checkpoint) : Option.none<Checkpoint>()))

    const writeSynced = (target: string, bytes: Uint8Array) =>
      Effect.scoped(Effect.flatMap(fs.open(target, { flag: "w", mode: FILE_MODE }), (f) => Effect.zipRight(f.writeAll(bytes), f.sync)))

    const syncDirectory = Effect.scoped(Effect.flatMap(fs.open(dir, { flag: "r" }), (d) => d.sync))

    const save = (cursor: Cursor) =>
      Effect.gen(function*() {
        const bytes = new TextEncoder().encode(`${JSON.stringify(cursor)}\n`)
        const suffix = (yield* Random.nextIntBetween(0, 2 ** 31)).toString(36)
        const temp = `${location}.${suffix}.tmp`
        yield* fs.makeDirectory(dir, { recursive: true, mode: DIRECTORY_MODE })
        yield* writeSynced(temp, bytes).pipe(
          Effect.zipRight(fs.rename(temp, location)),
          Effect.tapError(() => fs.remove(temp).pipe(Effect.ignore))
        )
        yield* syncDirectory
        return { cursor, updatedAt: yield* DateTime.now }
      }).pipe(
        Effect.mapError((e) => new CheckpointSaveFailed({ location, message: e.message })),
        Effect.withSpan("CheckpointStore.save")
      )

    return CheckpointStore.of({ location, load, read, save })
  })

export const layer = (file: string) => Layer.effect(CheckpointStore, make(file))
