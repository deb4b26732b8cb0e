/** Folds the hub's public errors (DESIGN.md §5.3) into the connector's rules (DESIGN.md §6). */
import { Duration, Option } from "effect"
import type { Forbidden, Overloaded, PayloadTooLarge, Unauthorized, Unavailable, ValidationError } from "../../src/domain/Errors.js"
import type { IngestAnswer, IngestRejection } from "../../src/domain/IngestAnswer.js"
import {
  type BatchItemOutcome,
  IngestRejected,
  IngestUnauthorized,
  IngestUnavailable
} from "../../services/SwitchboardClient.js"

/** Any error the hub answers to an ingest or heartbeat call. */
export type HubError = ValidationError | Forbidden | PayloadTooLarge | Overloaded | Unavailable | Unauthorized

/** A refusal that is permanent for this one event. */
export const rejected = (e: ValidationError | Forbidden | PayloadTooLarge): IngestRejected =>
  new IngestRejected({ reason: e._tag, message: e.message, issues: e._tag === "ValidationError" ? e.issues : [] })

/** The connector-side error for a hub error: permanent for this event, retry later, or our token is refused. */
export const fromHub = (e: HubError): IngestRejected | IngestUnavailable | IngestUnauthorized => {
  switch (e._tag) {
    case "ValidationError":
    case "Forbidden":
    case "PayloadTooLarge":
      return rejected(e)
    case "Overloaded":
    case "Unavailable":
      return new IngestUnavailable({
        message: `hub answered ${e._tag}: ${e.message}`,
        retryAfter: Option.some(Duration.seconds(e.retry_after_s))
      })
    case "Unauthorized":
      return new IngestUnauthorized({ message: `hub refused the token (check SWITCHBOARD_API_TOKEN): ${e.message}` })
  }
}

/** The hub could not be reached or answered something we cannot use: retry with backoff. */
export const unreachable = (message: string) => new IngestUnavailable({ message, retryAfter: Option.none() })

/** One outcome per envelope of a batch answer. */
export const batchOutcomes = (
  results: ReadonlyArray<IngestAnswer | IngestRejection>
): ReadonlyArray<BatchItemOutcome> =>
  results.map((r) => (r.status === "accepted" ? r : rejected(r.error)))
