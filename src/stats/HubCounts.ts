/**
 * The hub's own counts beside the heartbeat claims (pure): `hub` and `claims_exceed_hub` on list and
 * detail items, and the hourly series of `GET …/hub-counts`.
 *
 * A connector "claims more than the hub accepted" when today's heartbeat messages_ingested is above the
 * hub's accepted + duplicate today (a connector may count an envelope as ingested whose first answer was
 * lost and whose retry the hub saw as a duplicate). It is only judged when the hub counted the whole day:
 * on the day the hub was upgraded, the heartbeats' day began before the counting did.
 */
import { Either } from "effect"
import { ValidationError } from "../domain/Errors.js"
import type {
  ConnectorListItem,
  HubCounts,
  HubCountsPeriod,
  HubCountsPoint,
  HubCountsSeries,
  WindowMeta
} from "../domain/StatsApi.js"
import type { Counts, HourCounts } from "../../services/SourceCounts.js"
import { DAY_MS, iso, truncDay } from "./Buckets.js"
import { excerpt } from "../domain/Text.js"
import { windowMeta, windowOf } from "./Period.js"

const none: HubCounts = { accepted: 0, duplicate: 0, rejected: 0 }

export const parseHubCountsPeriod = (raw: string | undefined): Either.Either<HubCountsPeriod, ValidationError> => {
  if (raw === undefined || raw === "") return Either.right("24h")
  if (raw === "24h" || raw === "7d") return Either.right(raw)
  const message = `must be one of 24h, 7d (got ${excerpt(raw, 20)})`
  return Either.left(new ValidationError({ message: `period ${message}`, issues: [{ path: "period", message }] }))
}

/** Today, [00:00 UTC, next 00:00 UTC), as whole hours. */
export const todayOf = (now: number) => ({ from: truncDay(now), to: truncDay(now) + DAY_MS })

const countsOf = (c: Counts | undefined): HubCounts =>
  c === undefined ? none : { accepted: c.accepted, duplicate: c.duplicate, rejected: c.rejected }

/** Adds the hub's counts of today (`today`: by `keyOf`) and the claims verdict to a list or detail item. */
export const withHub = <I extends ConnectorListItem>(
  item: I,
  today: Counts | undefined,
  countingSince: number | null,
  now: number
): I => {
  const hub = countsOf(today)
  const judged = countingSince !== null && countingSince <= truncDay(now)
  return {
    ...item,
    hub: { ...hub, counting_since: countingSince === null ? null : iso(countingSince) },
    claims_exceed_hub: judged && item.today.messages_ingested > hub.accepted + hub.duplicate
  }
}

/** The dense hourly series of one connector over a period, from its hours with counts. */
export const series = (
  key: { readonly connector_type: string; readonly endpoint_identity: string },
  period: HubCountsPeriod,
  hours: ReadonlyArray<HourCounts>,
  countingSince: number | null,
  now: number
): { readonly data: HubCountsSeries; readonly window: WindowMeta } => {
  const w = windowOf(period, now)
  const byHour = new Map(hours.map((h) => [h.hour, h]))
  const timeseries = w.buckets.map((b): HubCountsPoint => ({ bucket: iso(b), ...countsOf(byHour.get(b)) }))
  const totals = timeseries.reduce(
    (sum, p) => ({ accepted: sum.accepted + p.accepted, duplicate: sum.duplicate + p.duplicate, rejected: sum.rejected + p.rejected }),
    none
  )
  return {
    data: {
      connector_type: key.connector_type,
      endpoint_identity: key.endpoint_identity,
      period,
      counting_since: countingSince === null ? null : iso(countingSince),
      totals,
      timeseries
    },
    window: windowMeta(w, now)
  }
}
