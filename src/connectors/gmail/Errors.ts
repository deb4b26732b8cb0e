/**
 * Gmail failures → the connector rules of DESIGN.md §6. A 404 on history.list (too-old startHistoryId)
 * is not mapped here: the connector recognises it with `isStaleHistory` and resets its cursor. The
 * messages never contain a token or a secret (the client scrubs them) nor any mail text.
 */
import { Duration } from "effect"
import type { GmailApiError, GmailError } from "../../../services/GmailApi.js"
import {
  type SourceError,
  SourceRateLimited,
  SourceTransient,
  SourceUnauthorized
} from "../../../services/SourceConnector.js"

/** The wait when a 429 or a 403 rate limit carries no Retry-After. */
export const DEFAULT_RETRY_AFTER = Duration.seconds(30)

/** Google's reasons for a 403 that only means "slow down". */
export const RATE_LIMIT_REASONS: ReadonlySet<string> = new Set(["rateLimitExceeded", "userRateLimitExceeded"])

export const REAUTHORISE_HINT =
  "re-authorise the mailbox (`switchboard gmail auth --endpoint <identity>` or GET /oauth/gmail/start)"

/** 429, or a 403 whose reason is a rate limit. */
export const isRateLimited = (e: GmailApiError) =>
  e.status === 429 || (e.status === 403 && e.reason !== undefined && RATE_LIMIT_REASONS.has(e.reason))

/**
 * The answer Gmail gives history.list for a startHistoryId older than its history retention
 * (`../shared/corpus/gmail/history.list_404_stale_startHistoryId.json`).
 */
export const isStaleHistory = (e: GmailError): boolean =>
  e._tag === "GmailApiError" && e.method === "history.list" && e.status === 404 &&
  (e.reason === "notFound" || e.reason === "NOT_FOUND") && e.detail === "Requested entity was not found."

export const toSourceError = (error: GmailError): SourceError => {
  switch (error._tag) {
    case "GmailAuthFailed":
      return new SourceUnauthorized({ message: `Gmail credentials refused (${error.reason}): ${error.detail}; ${REAUTHORISE_HINT}` })
    case "GmailHttpError":
      return new SourceTransient({ message: error.message })
    case "GmailApiError": {
      if (isRateLimited(error)) {
        return new SourceRateLimited({ message: error.message, retryAfter: error.retryAfter ?? DEFAULT_RETRY_AFTER })
      }
      if (error.status === 401 || error.status === 403) {
        return new SourceUnauthorized({ message: `${error.message}; ${REAUTHORISE_HINT} with the gmail.readonly scope` })
      }
      return new SourceTransient({ message: error.message })
    }
  }
}
