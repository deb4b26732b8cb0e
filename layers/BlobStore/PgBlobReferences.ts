/**
 * The blobs the hub's stored requests refer to: every `local://sha256/<hex>` storage_ref in
 * message_inbox.attachments, read in pages by request_id (keyset; the inbox may hold millions of rows)
 * so only the set of hashes is kept, never the rows.
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { Chunk, Effect, Option, Stream } from "effect"
import { parseRef } from "../../services/BlobStore.js"
import { SCHEME } from "./LocalBlobStore.js"

/** Inbox rows read per query. */
export const PAGE_ROWS = 5000

/** Below every UUID the hub assigns: where the first page starts. */
const FIRST = "00000000-0000-0000-0000-000000000000"

interface Row {
  readonly request_id: string
  readonly refs: ReadonlyArray<string>
}

export interface References {
  /** Hashes of the local blobs some stored request refers to. */
  readonly hashes: ReadonlySet<string>
  /** Inbox rows that carry attachments. */
  readonly rows: number
}

/** Every hash referenced from the inbox, `pageRows` rows a query. */
export const referencedWith = (
  pageRows: number
): Effect.Effect<References, SqlError.SqlError, SqlClient.SqlClient> => Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const page = (after: string) =>
    sql<Row>`
      SELECT request_id::text AS request_id,
             ARRAY(SELECT a->>'storage_ref' FROM jsonb_array_elements(attachments) a
                   WHERE jsonb_typeof(a) = 'object' AND a->>'storage_ref' IS NOT NULL) AS refs
      FROM message_inbox
      WHERE request_id > ${after}::uuid AND jsonb_typeof(attachments) = 'array' AND attachments <> '[]'::jsonb
      ORDER BY request_id
      LIMIT ${pageRows}`
  const rows = Stream.paginateChunkEffect(FIRST, (after) =>
    Effect.map(page(after), (rows) => {
      const last = rows[rows.length - 1]
      return [Chunk.fromIterable(rows), rows.length < pageRows || last === undefined ? Option.none() : Option.some(last.request_id)]
    }))
  return yield* Stream.runFold(rows, { hashes: new Set<string>(), rows: 0 }, (acc, row) => {
    for (const ref of row.refs) Option.map(parseRef(SCHEME, ref), (h) => acc.hashes.add(h))
    return { hashes: acc.hashes, rows: acc.rows + 1 }
  })
})

/** Every hash referenced from the inbox, PAGE_ROWS rows a query. */
export const referenced = referencedWith(PAGE_ROWS)
