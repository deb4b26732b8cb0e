/**
 * BlobStore in a local directory (CONNECTOR_BLOB_STORE_DIR): `<dir>/sha256/<ab>/<hex>` for
 * `local://sha256/<hex>`. Writes are atomic (temp file in the same directory, fsync, rename), and a
 * reference is only ever parsed as 64 hex characters, so no reference can reach outside `<dir>`.
 * Storing bytes that are already stored refreshes the blob's modification time: `switchboard blobs gc`
 * removes only unreferenced blobs older than its cut-off, so a blob just put again is never collected
 * before the event referring to it reaches the hub.
 */
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Clock, Effect, Layer, Option } from "effect"
import { createHash, randomBytes } from "node:crypto"
import {
  BlobNotFound,
  BlobRefInvalid,
  BlobStore,
  BlobStoreFailed,
  makeRef,
  parseRef
} from "../../services/BlobStore.js"
import * as LocalBlobFiles from "./LocalBlobFiles.js"

export const SCHEME = "local"

const failed = (what: string) => (error: PlatformError) =>
  new BlobStoreFailed({ message: `${what}: ${error.message}` })

export const make = (dir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const root = path.resolve(dir)
    const fileOf = (sha256: string) => LocalBlobFiles.fileOf(path, root, sha256)
    const hashOf = (storageRef: string): Effect.Effect<string, BlobRefInvalid> =>
      Option.match(parseRef(SCHEME, storageRef), {
        onNone: () => Effect.fail(new BlobRefInvalid({ storageRef })),
        onSome: Effect.succeed
      })

    const writeAtomically = (file: string, bytes: Uint8Array) => {
      const tmp = `${file}.tmp-${randomBytes(6).toString("hex")}`
      return Effect.scoped(
        Effect.gen(function*() {
          const handle = yield* fs.open(tmp, { flag: "wx" })
          // writeAll fails on an empty buffer ("write returned 0 bytes"): an empty blob is just the created file.
          if (bytes.length > 0) yield* handle.writeAll(bytes)
          yield* handle.sync
        })
      ).pipe(
        Effect.zipRight(fs.rename(tmp, file)),
        Effect.tapError(() => fs.remove(tmp).pipe(Effect.ignore))
      )
    }

    return BlobStore.of({
      put: (bytes) =>
        Effect.gen(function*() {
          const sha256 = createHash("sha256").update(bytes).digest("hex")
          const file = fileOf(sha256)
          if (yield* fs.exists(file)) {
            const now = new Date(yield* Clock.currentTimeMillis)
            yield* fs.utimes(file, now, now)
          } else {
            yield* fs.makeDirectory(path.dirname(file), { recursive: true })
            yield* writeAtomically(file, bytes)
          }
          return { storageRef: makeRef(SCHEME, sha256), sha256, sizeBytes: bytes.length }
        }).pipe(Effect.mapError(failed(`storing a blob under ${root}`))),
      get: (storageRef) =>
        hashOf(storageRef).pipe(
          Effect.flatMap((sha256) =>
            fs.readFile(fileOf(sha256)).pipe(
              Effect.mapError((e): BlobNotFound | BlobStoreFailed =>
                e._tag === "SystemError" && e.reason === "NotFound"
                  ? new BlobNotFound({ storageRef })
                  : failed(`reading ${storageRef}`)(e)
              )
            )
          )
        ),
      has: (storageRef) =>
        hashOf(storageRef).pipe(
          Effect.flatMap((sha256) => fs.exists(fileOf(sha256)).pipe(Effect.mapError(failed(`checking ${storageRef}`))))
        )
    })
  })

/** The store in `dir` (needs FileSystem and Path, e.g. NodeContext.layer). */
export const layer = (dir: string) => Layer.effect(BlobStore, make(dir))
