/**
 * Where a source's host keeps its checkpoint, dead letters and blobs, as ConnectorConfig says: the checkpoint
 * in the hub (CONNECTOR_CURSOR_STORE=hub, the default for hosted connectors, issue 15) or in a file
 * (CONNECTOR_CURSOR_PATH), dead letters in a file.
 */
import { Effect, Layer, Option, Schema } from "effect"
import { CheckpointKey } from "../../src/domain/Checkpoint.js"
import type { FileSystem, Path } from "@effect/platform"
import type { CheckpointStore } from "../../services/CheckpointStore.js"
import { ConnectorConfig, ConnectorConfigInvalid } from "../../services/ConnectorConfig.js"
import type { SwitchboardClient } from "../../services/SwitchboardClient.js"
import * as LocalBlobStore from "../BlobStore/LocalBlobStore.js"
import * as FileCheckpointStore from "../CheckpointStore/FileCheckpointStore.js"
import * as HubCheckpointStore from "../CheckpointStore/HubCheckpointStore.js"
import * as FileDeadLetters from "../ConnectorDeadLetters/FileDeadLetters.js"

/** The source a connector's checkpoint belongs to. */
export interface CheckpointOwner {
  readonly connectorType: string
  readonly channel: string
  readonly provider: string
}

/** The checkpoint key of `owner` at the configured endpoint; a key the hub would refuse fails the start. */
export const checkpointKey = (owner: CheckpointOwner, endpointIdentity: string) =>
  Schema.decodeUnknown(CheckpointKey)({
    connector_type: owner.connectorType,
    source: { channel: owner.channel, provider: owner.provider, endpoint_identity: endpointIdentity }
  }).pipe(
    Effect.mapError(() =>
      new ConnectorConfigInvalid({
        problems: [`the ${owner.connectorType} connector's endpoint identity cannot name a hub-held checkpoint (1–256 bytes, no NUL)`]
      })
    )
  )

/** The hub's store; a cursor file that is still configured seeds it until the hub holds a checkpoint. */
const hubStore = (key: CheckpointKey, file: Option.Option<string>) =>
  Layer.unwrapEffect(Effect.map(
    Effect.transposeOption(Option.map(file, FileCheckpointStore.make)),
    (seed) => HubCheckpointStore.layer(key, seed)
  ))

/**
 * The checkpoint store (the hub's, over the connector's SwitchboardClient, or the file) and the dead-letter
 * file (CONNECTOR_DEAD_LETTER_PATH).
 */
export const FilesLive = (owner: CheckpointOwner) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const config = yield* ConnectorConfig
    const checkpoints: Layer.Layer<CheckpointStore, never, FileSystem.FileSystem | Path.Path | SwitchboardClient> =
      config.cursorStore === "hub"
        ? hubStore(yield* checkpointKey(owner, config.endpointIdentity), config.cursorPath)
        : FileCheckpointStore.layer(Option.getOrThrowWith(config.cursorPath, () => new Error("the file store always has a path (ConnectorConfig)")))
    return Layer.merge(checkpoints, FileDeadLetters.layer(config.deadLetterPath))
  }))

/** Attachments in the local blob store (CONNECTOR_BLOB_STORE_DIR). */
export const BlobsLive = Layer.unwrapEffect(Effect.map(ConnectorConfig, (c) => LocalBlobStore.layer(c.blobStoreDir)))
