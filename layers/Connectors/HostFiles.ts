/** The files a source's host keeps for it, where ConnectorConfig says: checkpoint, dead letters, blobs. */
import { Effect, Layer } from "effect"
import { ConnectorConfig } from "../../services/ConnectorConfig.js"
import * as LocalBlobStore from "../BlobStore/LocalBlobStore.js"
import * as FileCheckpointStore from "../CheckpointStore/FileCheckpointStore.js"
import * as FileDeadLetters from "../ConnectorDeadLetters/FileDeadLetters.js"

/** Checkpoint file (CONNECTOR_CURSOR_PATH) and dead-letter file (CONNECTOR_DEAD_LETTER_PATH). */
export const FilesLive = Layer.unwrapEffect(Effect.map(ConnectorConfig, (config) =>
  Layer.merge(FileCheckpointStore.layer(config.cursorPath), FileDeadLetters.layer(config.deadLetterPath))))

/** Attachments in the local blob store (CONNECTOR_BLOB_STORE_DIR). */
export const BlobsLive = Layer.unwrapEffect(Effect.map(ConnectorConfig, (c) => LocalBlobStore.layer(c.blobStoreDir)))
