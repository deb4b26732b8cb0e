/** InboxStore in memory, for pure unit and property tests of the ingest use case. */
import { Effect, Layer, Option, Ref } from "effect"
import { type InboxRecord, InboxStore, type InsertOutcome, type NewInboxRow } from "../../services/InboxStore.js"

export const make = Effect.gen(function*() {
  const rows = yield* Ref.make(new Map<string, InboxRecord>())

  const insertMany = (input: ReadonlyArray<NewInboxRow>) =>
    Ref.modify(rows, (current) => {
      const next = new Map(current)
      const outcomes = input.map((row): InsertOutcome => {
        const owner = next.get(row.dedupe_key)
        if (owner !== undefined) {
          return { _tag: "Duplicate", request_id: owner.request_id, received_at: owner.received_at }
        }
        next.set(row.dedupe_key, { ...row, lifecycle_state: "accepted", dispatch_outcomes: [] })
        return { _tag: "Inserted", request_id: row.request_id, received_at: row.received_at }
      })
      return [outcomes, next] as const
    })

  return InboxStore.of({
    insert: (row) => Effect.map(insertMany([row]), (o) => o[0]!),
    insertMany,
    insertManyWithCheckpoint: () => Effect.dieMessage("MemoryInboxStore keeps no checkpoints: hub-held checkpoints need the Postgres store"),
    get: (requestId) =>
      Effect.map(Ref.get(rows), (m) => Option.fromNullable([...m.values()].find((r) => r.request_id === requestId))),
    countByDedupeKey: (key) => Effect.map(Ref.get(rows), (m) => (m.has(key) ? 1 : 0))
  })
})

export const layer = Layer.effect(InboxStore, make)
