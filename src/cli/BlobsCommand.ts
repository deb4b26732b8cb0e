/**
 * `switchboard blobs gc [--dry-run] [--older-than 7d] [--dir <path>]`: removes the media blobs no stored
 * request refers to (the media change log's follow-up). The inbox's references are read first (paged),
 * then the store's directory is walked: a blob is removed only when nothing refers to it and it was last
 * written (or put again) before the cut-off, since a fresh blob may belong to an event on its way to the
 * hub. Files that are not blobs are left alone and counted. Each blob removed (or that would be) is
 * printed with its size, then the totals.
 */
import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { FileSystem, Path } from "@effect/platform"
import { Clock, Config, Console, Effect, Either, Option, Ref, Schema, Stream } from "effect"
import * as LocalBlobFiles from "../../layers/BlobStore/LocalBlobFiles.js"
import * as PgBlobReferences from "../../layers/BlobStore/PgBlobReferences.js"
import { DatabaseLocation } from "../../services/Database.js"
import * as DurationSpec from "./DurationSpec.js"

/** The blob directory cannot be read, or some blobs could not be removed. */
export class BlobsGcFailed extends Schema.TaggedError<BlobsGcFailed>()("BlobsGcFailed", { message: Schema.String }) {}

/** Where connectors store blobs unless told otherwise (services/ConnectorConfig.ts). */
const DefaultDir = Config.string("CONNECTOR_BLOB_STORE_DIR").pipe(Config.withDefault(".blobs"))

const dryRun = Options.boolean("dry-run").pipe(
  Options.withDescription("list what would be removed and how much space it holds; remove nothing, e.g. --dry-run")
)
const olderThan = Options.text("older-than").pipe(
  Options.withPseudoName("DURATION"),
  Options.withDefault("7d"),
  Options.withDescription("remove only blobs last written longer ago than this (s, m, h, d, w; default 7d), e.g. --older-than 30d"),
  Options.mapEffect((spec) => {
    const parsed = DurationSpec.parse(spec)
    return Either.isRight(parsed) && parsed.right !== "never"
      ? Effect.succeed(parsed.right)
      : Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--older-than: ${spec} is not a duration: use e.g. 12h, 7d or 2w`)))
  })
)
const dir = Options.text("dir").pipe(
  Options.withPseudoName("PATH"),
  Options.optional,
  Options.withDescription("the blob store directory (default CONNECTOR_BLOB_STORE_DIR, else .blobs), e.g. --dir /var/lib/switchboard/blobs")
)

/** `1536` → `1.5 KiB`. */
export const humanBytes = (n: number): string => {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"] as const
  const unit = n < 1024 ? 0 : Math.min(units.length - 1, Math.floor(Math.log2(n) / 10))
  return unit === 0 ? `${n} bytes` : `${(n / 1024 ** unit).toFixed(1)} ${units[unit]}`
}

interface Tally {
  readonly removed: number
  readonly bytes: number
  readonly failed: number
  readonly referenced: number
  readonly fresh: number
  readonly other: number
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

export const gcCommand = Command.make("gc", { dryRun, olderThan, dir }, (o) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const root = path.resolve(Option.isSome(o.dir) ? o.dir.value : yield* DefaultDir)
    const exists = yield* fs.stat(root).pipe(Effect.map((i) => i.type === "Directory"), Effect.orElseSucceed(() => false))
    if (!exists) {
      return yield* new BlobsGcFailed({ message: `no blob directory at ${root}: pass --dir or set CONNECTOR_BLOB_STORE_DIR` })
    }
    const location = yield* DatabaseLocation
    const refs = yield* PgBlobReferences.referenced
    yield* Console.log(
      `blob store ${root}; ${plural(refs.hashes.size, "blob")} referenced by ${plural(refs.rows, "stored request")} ` +
        `(${location.where})`
    )
    const cutoff = (yield* Clock.currentTimeMillis) - o.olderThan
    const tally = yield* Ref.make<Tally>({ removed: 0, bytes: 0, failed: 0, referenced: 0, fresh: 0, other: 0 })
    const verb = o.dryRun ? "would remove" : "removed"

    const collect = (blob: LocalBlobFiles.BlobFile) =>
      Effect.gen(function*() {
        if (!o.dryRun) {
          const gone = yield* Effect.either(fs.remove(blob.file))
          if (Either.isLeft(gone)) {
            yield* Console.error(`could not remove ${blob.relative}: ${gone.left.message}`)
            return yield* Ref.update(tally, (t) => ({ ...t, failed: t.failed + 1 }))
          }
        }
        const when = Option.match(blob.modifiedAt, { onNone: () => "", onSome: (d) => `, last written ${d.toISOString()}` })
        yield* Console.log(`${verb} ${blob.relative} (${blob.sizeBytes} bytes${when})`)
        yield* Ref.update(tally, (t) => ({ ...t, removed: t.removed + 1, bytes: t.bytes + blob.sizeBytes }))
      })

    yield* LocalBlobFiles.walk(root).pipe(
      Stream.runForEach((entry) => {
        if (entry._tag === "Other") return Ref.update(tally, (t) => ({ ...t, other: t.other + 1 }))
        if (refs.hashes.has(entry.sha256)) return Ref.update(tally, (t) => ({ ...t, referenced: t.referenced + 1 }))
        // No modification time (an odd file system): treated as fresh, never removed.
        const old = Option.exists(entry.modifiedAt, (d) => d.getTime() < cutoff)
        return old ? collect(entry) : Ref.update(tally, (t) => ({ ...t, fresh: t.fresh + 1 }))
      }),
      Effect.mapError((e) => new BlobsGcFailed({ message: `cannot read the blob directory ${root}: ${e.message}` }))
    )

    const t = yield* Ref.get(tally)
    yield* Console.log(
      `${verb} ${plural(t.removed, "blob")} (${humanBytes(t.bytes)}${t.bytes >= 1024 ? `, ${t.bytes} bytes` : ""}); kept ` +
        `${t.referenced} referenced and ${t.fresh} unreferenced but newer than the cut-off; ` +
        `${plural(t.other, "entry", "entries")} that ${t.other === 1 ? "is" : "are"} not a blob left alone`
    )
    if (t.failed > 0) return yield* new BlobsGcFailed({ message: `${plural(t.failed, "blob")} could not be removed (listed above)` })
  })).pipe(
    Command.withDescription(
      "remove the media blobs no stored request refers to and that are older than --older-than; prints each blob " +
        "with its size and the totals. Run it against the hub's database (DATABASE_URL) and each connector's blob " +
        "directory. Example: switchboard blobs gc --dry-run --older-than 30d --dir .blobs"
    )
  )

export const blobsCommand = Command.make("blobs").pipe(
  Command.withDescription("the content-addressed media store (CONNECTOR_BLOB_STORE_DIR). Example: switchboard blobs gc --dry-run"),
  Command.withSubcommands([gcCommand])
)
