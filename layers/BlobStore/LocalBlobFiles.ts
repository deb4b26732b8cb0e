/**
 * The on-disk layout of LocalBlobStore (`<dir>/sha256/<ab>/<64 hex>`), and a walk over a store's
 * directory for `switchboard blobs gc`: every file is either a blob (its name is its hash, in the shard
 * its first two characters name) or something else, which the walk reports but never touches.
 */
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Option, Stream } from "effect"

/** A blob's file name: its lowercase hex SHA-256. */
export const HASH = /^[0-9a-f]{64}$/
/** A shard directory: the first two hex characters of the hashes inside. */
const SHARD = /^[0-9a-f]{2}$/
/** The directory under the store's root that holds the shards. */
export const BLOBS = "sha256"

/** Where the blob with `sha256` lives under `root`. */
export const fileOf = (path: Path.Path, root: string, sha256: string) => path.join(root, BLOBS, sha256.slice(0, 2), sha256)

/** A file of the store named by its hash. */
export interface BlobFile {
  readonly _tag: "Blob"
  readonly sha256: string
  /** Absolute path. */
  readonly file: string
  /** Path under the store's root, e.g. `sha256/ab/ab12…`. */
  readonly relative: string
  readonly sizeBytes: number
  /** Last written (or, for a blob stored again, last put). */
  readonly modifiedAt: Option.Option<Date>
}

/** An entry that is not a blob (a temp file of a write in progress, a stray file or directory). */
export interface OtherEntry {
  readonly _tag: "Other"
  readonly relative: string
}

export type Entry = BlobFile | OtherEntry

const other = (relative: string): Entry => ({ _tag: "Other", relative })

/**
 * Every entry of the store under `root`, one shard directory at a time (a shard's names are listed at
 * once; nothing else is held). A missing root is an error; entries that vanish during the walk are skipped.
 */
export const walk = (root: string): Stream.Stream<Entry, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Stream.unwrap(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    /** The entry's info, or None when it is gone. */
    const statOf = (file: string): Effect.Effect<Option.Option<FileSystem.File.Info>, PlatformError> =>
      fs.stat(file).pipe(
        Effect.map(Option.some),
        Effect.catchIf((e) => e._tag === "SystemError" && e.reason === "NotFound", () => Effect.succeed(Option.none()))
      )
    const isDirectory = (file: string) =>
      Effect.map(statOf(file), (info) => Option.isSome(info) && info.value.type === "Directory")

    const inShard = (shard: string) =>
      Stream.fromIterableEffect(fs.readDirectory(path.join(root, BLOBS, shard))).pipe(
        Stream.mapEffect((name) => {
          const relative = `${BLOBS}/${shard}/${name}`
          if (!HASH.test(name) || !name.startsWith(shard)) return Effect.succeed(Option.some(other(relative)))
          const file = path.join(root, BLOBS, shard, name)
          return Effect.map(statOf(file), Option.map((info): Entry =>
            info.type === "File"
              ? { _tag: "Blob", sha256: name, file, relative, sizeBytes: Number(info.size), modifiedAt: info.mtime }
              : other(relative)))
        }, { concurrency: 16 }),
        Stream.filterMap((entry) => entry)
      )

    const shards = Stream.fromIterableEffect(fs.readDirectory(path.join(root, BLOBS))).pipe(
      Stream.flatMap((name) =>
        SHARD.test(name)
          ? Stream.unwrap(Effect.map(isDirectory(path.join(root, BLOBS, name)), (dir) =>
            dir ? inShard(name) : Stream.make(other(`${BLOBS}/${name}`))))
          : Stream.make(other(`${BLOBS}/${name}`))
      )
    )

    const top = yield* fs.readDirectory(root)
    const rest = Stream.fromIterable(top.filter((name) => name !== BLOBS).map(other))
    const hasBlobs = top.includes(BLOBS) && (yield* isDirectory(path.join(root, BLOBS)))
    return hasBlobs ? Stream.concat(rest, shards) : Stream.concat(rest, Stream.fromIterable(top.includes(BLOBS) ? [other(BLOBS)] : []))
  }))
