/**
 * Content-addressed storage for media (DESIGN.md §4): a blob is named by the SHA-256 of its bytes,
 * so storing the same bytes twice is one blob, and a reference can only ever name a hash.
 */
import { Context, type Effect, Option, Schema } from "effect"

/** What a stored blob is called and how big it is. */
export interface StoredBlob {
  /** e.g. `local://sha256/<64 hex>`; what an Attachment's `storage_ref` carries. */
  readonly storageRef: string
  /** Lowercase hex SHA-256 of the bytes. */
  readonly sha256: string
  readonly sizeBytes: number
}

/** The blob could not be written or read (disk full, permission denied, …). */
export class BlobStoreFailed extends Schema.TaggedError<BlobStoreFailed>()("BlobStoreFailed", {
  message: Schema.String
}) {}

/** No blob is stored under this reference. */
export class BlobNotFound extends Schema.TaggedError<BlobNotFound>()("BlobNotFound", {
  storageRef: Schema.String
}) {}

/** The reference is not `<scheme>://sha256/<64 lowercase hex>` of this store (so it cannot name a path). */
export class BlobRefInvalid extends Schema.TaggedError<BlobRefInvalid>()("BlobRefInvalid", {
  storageRef: Schema.String
}) {}

const REF = /^([a-z]+):\/\/sha256\/([0-9a-f]{64})$/

/** The hash named by `ref` when it has exactly the form `<scheme>://sha256/<hex>`. */
export const parseRef = (scheme: string, ref: string): Option.Option<string> => {
  const m = REF.exec(ref)
  return m !== null && m[1] === scheme && m[2] !== undefined ? Option.some(m[2]) : Option.none()
}

export const makeRef = (scheme: string, sha256: string) => `${scheme}://sha256/${sha256}`

export interface BlobStoreService {
  /** Stores the bytes (a no-op when the same bytes are already stored) and names them. */
  readonly put: (bytes: Uint8Array) => Effect.Effect<StoredBlob, BlobStoreFailed>
  /** The bytes stored under `storageRef`. */
  readonly get: (storageRef: string) => Effect.Effect<Uint8Array, BlobNotFound | BlobRefInvalid | BlobStoreFailed>
  /** Whether `storageRef` names a stored blob. */
  readonly has: (storageRef: string) => Effect.Effect<boolean, BlobRefInvalid | BlobStoreFailed>
}

export class BlobStore extends Context.Tag("switchboard/BlobStore")<BlobStore, BlobStoreService>() {}
