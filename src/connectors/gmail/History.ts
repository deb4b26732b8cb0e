/**
 * Reading what is new in a mailbox: `users.history.list` from the cursor's history id (every
 * `nextPageToken` followed, `historyTypes=messageAdded`), and the gap fill that replaces a history too
 * old for Gmail (`messages.list` with `q=after:<epoch>`). Pure helpers for the cursor arithmetic live
 * here too: which history id is safe to save after each message.
 */
import { Effect, Schema } from "effect"
import { GmailApi, type GmailError, type MessageRef } from "../../../services/GmailApi.js"

/** The checkpoint (runbook): `{"history_id": "987654321", "last_updated_at": "2026-02-15T10:00:00Z"}`. */
export const GmailCursor = Schema.Struct({
  history_id: Schema.Union(
    Schema.String.pipe(Schema.pattern(/^[0-9]{1,20}$/)),
    Schema.Int.pipe(Schema.nonNegative())
  ),
  last_updated_at: Schema.optional(Schema.String)
})
export type GmailCursor = typeof GmailCursor.Type

/** History records per page (Gmail allows up to 500). */
export const HISTORY_PAGE = 500
/** A fetch stops following pages once it has this many messages (the next fetch goes on from there). */
export const BATCH_MESSAGES = 100
/** Pages per fetch at most, however few messages they hold. */
export const MAX_PAGES = 20
/** messages.list page size in a gap fill. */
export const LIST_PAGE = 500
/** A gap fill lists at most this many messages (older ones are reported as missed). */
export const MAX_GAP_MESSAGES = 100_000

/** A message reference with the history record it was added in. */
export interface Added {
  readonly ref: MessageRef
  readonly recordId: string
}

export interface HistorySlice {
  readonly added: ReadonlyArray<Added>
  /** Where the next fetch starts: the mailbox's history id when every page was read, else the last record read. */
  readonly next: string
  /** API calls made. */
  readonly calls: number
}

/** History ids compare as numbers (they are decimal strings of up to 20 digits). */
export const later = (a: string, b: string): string => (BigInt(a) >= BigInt(b) ? a : b)

/** Messages added after `start`, at most MAX_PAGES pages, stopping past BATCH_MESSAGES; each message once. */
export const since = (start: string): Effect.Effect<HistorySlice, GmailError, GmailApi> =>
  Effect.gen(function*() {
    const api = yield* GmailApi
    const added: Array<Added> = []
    const seen = new Set<string>()
    let pageToken: string | undefined
    let last = start
    for (let page = 1;; page++) {
      const answer = yield* api.listHistory({
        startHistoryId: start,
        pageToken,
        historyTypes: ["messageAdded"],
        maxResults: HISTORY_PAGE
      })
      for (const record of answer.history ?? []) {
        last = later(last, record.id)
        for (const { message } of record.messagesAdded ?? []) {
          if (seen.has(message.id)) continue
          seen.add(message.id)
          added.push({ ref: message, recordId: record.id })
        }
      }
      pageToken = answer.nextPageToken
      if (pageToken === undefined) return { added, next: later(last, answer.historyId), calls: page }
      if (added.length >= BATCH_MESSAGES || page >= MAX_PAGES) return { added, next: last, calls: page }
    }
  })

/**
 * The history id that is safe to save once `added[i]` and every message before it are handled: its own
 * record's, unless a later message of the same record is still to come (then the record before it).
 */
export const safeAfter = (added: ReadonlyArray<Added>, start: string): ReadonlyArray<string> => {
  let completed = start
  return added.map((a, i) => {
    const lastOfRecord = added[i + 1]?.recordId !== a.recordId
    if (lastOfRecord) completed = later(completed, a.recordId)
    return completed
  })
}

/** Every message received after `afterEpochS` (oldest first), with the number of list calls made. */
export const listedSince = (afterEpochS: number): Effect.Effect<
  { readonly refs: ReadonlyArray<MessageRef>; readonly calls: number; readonly truncated: boolean },
  GmailError,
  GmailApi
> =>
  Effect.gen(function*() {
    const api = yield* GmailApi
    const refs: Array<MessageRef> = []
    let pageToken: string | undefined
    for (let calls = 1;; calls++) {
      const page = yield* api.listMessages({ q: `after:${Math.max(0, Math.floor(afterEpochS))}`, pageToken, maxResults: LIST_PAGE })
      refs.push(...(page.messages ?? []))
      pageToken = page.nextPageToken
      const truncated = refs.length >= MAX_GAP_MESSAGES
      // Gmail lists newest first: the gap is submitted in arrival order.
      if (pageToken === undefined || truncated) return { refs: refs.slice(0, MAX_GAP_MESSAGES).reverse(), calls, truncated }
    }
  })
