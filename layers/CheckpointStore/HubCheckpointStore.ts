/**
 * The checkpoint held by the hub (issue 15): read with GetCheckpoint, committed with the batches it moves past
 * (`withBatch`), or on its own as an IngestBatch with no envelopes (a cursor moved past skipped events only).
 * Used by every connector the hub hosts, and by a connector process with CONNECTOR_CURSOR_STORE=hub. While
 * the hub cannot be reached the read waits and retries (ingestRetry): starting from scratch would replay the
 * whole source.
 */
import { DateTime, Effect, Layer, Option } from "effect"
import * as Policies from "../../src/policies.js"
import { type CheckpointKey, describeKey } from "../../src/domain/Checkpoint.js"
import {
  type CheckpointRead,
  CheckpointSaveFailed,
  CheckpointStore,
  type CheckpointStoreService
} from "../../services/CheckpointStore.js"
import type { Cursor } from "../../services/SourceConnector.js"
import { SwitchboardClient } from "../../services/SwitchboardClient.js"

/**
 * `seed`: a checkpoint file from before the hub held this connector's cursor (CONNECTOR_CURSOR_PATH still
 * set). While the hub has none, the file's cursor is where the connector starts, and its first commit moves
 * it into the hub; the file is never written again.
 */
export const make = (key: CheckpointKey, seed: Option.Option<CheckpointStoreService> = Option.none()) =>
  Effect.gen(function*() {
    const client = yield* SwitchboardClient
    const location = `hub (${describeKey(key)})`

    const fromSeed: Effect.Effect<CheckpointRead> = Option.match(seed, {
      onNone: () => Effect.as(Effect.logInfo(`no checkpoint yet, starting from the beginning (${location})`), { _tag: "Missing" as const }),
      onSome: (file) =>
        Effect.tap(file.read, (r) =>
          r._tag === "Found"
            ? Effect.logInfo(`the hub holds no checkpoint yet: starting from ${file.location}, moved into the hub with the next commit`)
            : Effect.void)
    })

    const read = client.getCheckpoint(key).pipe(
      // The hub refuses this connector its own checkpoint (token scope, invalid key): a configuration error.
      Effect.catchTag("IngestRejected", (e) => Effect.dieMessage(`the hub refused the checkpoint of ${describeKey(key)}: ${e.message}`)),
      Effect.tapError((e) =>
        Effect.logWarning(`cannot read the checkpoint from the hub yet, retrying: ${e.message}`).pipe(
          Effect.annotateLogs({ error: e._tag })
        )
      ),
      Effect.retry(Policies.ingestRetry),
      Effect.orDie, // ingestRetry recurs forever
      Effect.flatMap((found): Effect.Effect<CheckpointRead> =>
        Option.match(found, {
          onNone: () => fromSeed,
          onSome: (c) =>
            Effect.succeed({ _tag: "Found" as const, checkpoint: { cursor: c.cursor, updatedAt: DateTime.unsafeMake(c.updated_at) } })
        })),
      Effect.withSpan("CheckpointStore.load")
    )

    const load = Effect.map(read, (r) => (r._tag === "Found" ? Option.some(r.checkpoint) : Option.none()))

    const withBatch = (cursor: Cursor) => ({ ...key, cursor })

    const save = (cursor: Cursor) =>
      client.ingestBatch([], withBatch(cursor)).pipe(
        Effect.zipRight(DateTime.now),
        Effect.map((updatedAt) => ({ cursor, updatedAt })),
        Effect.mapError((e) => new CheckpointSaveFailed({ location, message: `${e._tag}: ${e.message}` })),
        Effect.withSpan("CheckpointStore.save")
      )

    return CheckpointStore.of({ location, load, read, save, withBatch })
  })

export const layer = (key: CheckpointKey, seed: Option.Option<CheckpointStoreService> = Option.none()) =>
  Layer.effect(CheckpointStore, make(key, seed))
