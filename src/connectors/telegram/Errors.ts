/**
 * Telegram failures → the connector rules of DESIGN.md §6. The messages say what to do; they never
 * contain the bot token (TelegramApi scrubs it) nor any message text.
 */
import { Duration } from "effect"
import {
  SourceConflict,
  type SourceError,
  SourceRateLimited,
  SourceTransient,
  SourceUnauthorized
} from "../../../services/SourceConnector.js"
import type { TelegramError } from "../../../services/TelegramApi.js"

/** Telegram's default when a 429 carries no retry_after. */
export const DEFAULT_RETRY_AFTER = Duration.seconds(5)

export const conflictHint = (description: string) =>
  /webhook/i.test(description)
    ? "a webhook was set for this bot while this poller runs, so getUpdates is refused (a cutover to webhook mode?): " +
      "stop this poller, or go back to polling with `scripts/switchboard telegram delete-webhook` or by restarting it " +
      "(a starting poller removes the webhook, keeping pending updates)"
    : "another getUpdates poller uses this bot token: stop the other connector instance (only one poller per bot)"

export const toSourceError = (error: TelegramError): SourceError => {
  if (error._tag === "TelegramHttpError") {
    return new SourceTransient({ message: `Telegram ${error.method}: ${error.reason.toLowerCase()} error: ${error.detail}` })
  }
  const status = `Telegram ${error.method} answered ${error.error_code} (${error.description})`
  switch (error.error_code) {
    case 429:
      return new SourceRateLimited({
        message: status,
        retryAfter: error.retry_after === undefined ? DEFAULT_RETRY_AFTER : Duration.seconds(error.retry_after)
      })
    case 409:
      return new SourceConflict({ message: `${status}: ${conflictHint(error.description)}` })
    case 401:
    case 403:
    case 404: // the Bot API answers 404 for a token it does not know
      return new SourceUnauthorized({
        message: `${status}: check BUTLER_TELEGRAM_TOKEN (revoked or wrong bot token; get the current one from @BotFather)`
      })
    default:
      return new SourceTransient({ message: status })
  }
}

/** Errors that must stop the current batch (wait, or stop polling) instead of degrading one attachment. */
export const stopsTheBatch = (error: SourceError) =>
  error._tag === "SourceRateLimited" || error._tag === "SourceUnauthorized"
