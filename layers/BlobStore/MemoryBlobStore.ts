/** BlobStore in memory (`memory://sha256/<hex>`), for tests and the in-process demo. */
import { Effect, Layer, Option, Ref } from "effect"
import { createHash } from "node:crypto"
import { BlobNotFound, BlobRefInvalid, BlobStore, makeRef, parseRef } from "../../services/BlobStore.js"

export const SCHEME = "memory"

export const make = Effect.gen(function*() {
  const blobs = yield* Ref.make(new Map<string, Uint8Array>())
  const hashOf = (storageRef: string): Effect.Effect<string, BlobRefInvalid> =>
    Option.match(parseRef(SCHEME, storageRef), {
      onNone: () => Effect.fail(new BlobRefInvalid({ storageRef })),
      onSome: Effect.succeed
    })
  return BlobStore.of({
    put: (bytes) =>
      Effect.gen(function*() {
        const sha256 = createHash("sha256").update(bytes).digest("hex")
        yield* Ref.update(blobs, (m) => (m.has(sha256) ? m : new Map(m).set(sha256, Uint8Array.from(bytes))))
        return { storageRef: makeRef(SCHEME, sha256), sha256, sizeBytes: bytes.length }
      }),
    get: (storageRef) =>
      hashOf(storageRef).pipe(
        Effect.flatMap((sha256) => Effect.map(Ref.get(blobs), (m) => m.get(sha256))),
        Effect.flatMap((bytes) =>
          bytes === undefined ? Effect.fail(new BlobNotFound({ storageRef })) : Effect.succeed(Uint8Array.from(bytes))
        )
      ),
    has: (storageRef) =>
      hashOf(storageRef).pipe(Effect.flatMap((sha256) => Effect.map(Ref.get(blobs), (m) => m.has(sha256))))
  })
})

export const layer = Layer.effect(BlobStore, make)
