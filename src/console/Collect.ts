/** Reading many matching requests a page at a time (bulk replay, API and CLI). */
import { Effect } from "effect"
import { MAX_PAGE_LIMIT } from "../domain/Console.js"
import type { RequestCursor, RequestFilter, RequestLogService, RequestLogUnavailable } from "../../services/RequestLog.js"

/**
 * The ids of up to `limit` requests matching `filter` after `after`, newest first, read a page of at most
 * MAX_PAGE_LIMIT at a time, and the cursor after the last one when more may follow.
 */
export const collect = (
  log: RequestLogService,
  filter: RequestFilter,
  after: RequestCursor | undefined,
  limit: number
) => {
  const go = (
    position: RequestCursor | undefined,
    ids: ReadonlyArray<string>
  ): Effect.Effect<{ readonly ids: ReadonlyArray<string>; readonly next: RequestCursor | undefined }, RequestLogUnavailable> =>
    Effect.flatMap(
      log.list({ filter, after: position, limit: Math.min(limit - ids.length, MAX_PAGE_LIMIT) }),
      (page) => {
        const all = [...ids, ...page.items.map((r) => r.request_id)]
        return page.next === undefined || all.length >= limit ? Effect.succeed({ ids: all, next: page.next }) : go(page.next, all)
      }
    )
  return go(after, [])
}
