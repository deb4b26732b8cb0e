/** Read side of the connector statistics: the data behind the dashboard API (issue 4). */
import { Context, type Effect, type Option, Schema } from "effect"
import type {
  ConnectorDetail,
  ConnectorListItem,
  ConnectorStats,
  ErrorEntry,
  FanoutPeriod,
  FanoutRow,
  Liveness,
  Period,
  Summary,
  WindowMeta
} from "../src/domain/StatsApi.js"

/** The database could not be reached or did not answer in time. */
export class DashboardUnavailable extends Schema.TaggedError<DashboardUnavailable>()("DashboardUnavailable", {
  message: Schema.String
}) {}

/** Identifies one connector. */
export interface ConnectorKey {
  readonly connector_type: string
  readonly endpoint_identity: string
}

/** Which page of the connector list. */
export interface ListPage {
  readonly limit: number
  /** the page starts after this key (undefined: the first page) */
  readonly after: ConnectorKey | undefined
}

export interface ConnectorPage {
  readonly items: ReadonlyArray<ConnectorListItem>
  /** the key to pass as `after` for the next page, or null on the last page */
  readonly next: ConnectorKey | null
}

export interface DashboardService {
  /**
   * One page of the registered connectors with their liveness and today's numbers, by type then identity:
   * at most `limit`, starting after `after`; `next` is the last key when more follow, else null.
   */
  readonly list: (page: ListPage) => Effect.Effect<ConnectorPage, DashboardUnavailable>
  /** One connector, or none when it is not registered. */
  readonly detail: (key: ConnectorKey) => Effect.Effect<Option.Option<ConnectorDetail>, DashboardUnavailable>
  /** Time series and summary of one connector over a period, or none when it is not registered. */
  readonly stats: (
    key: ConnectorKey,
    period: Period
  ) => Effect.Effect<Option.Option<{ readonly data: ConnectorStats; readonly window: WindowMeta }>, DashboardUnavailable>
  /** Totals over a period for all connectors. */
  readonly summary: (
    period: Period
  ) => Effect.Effect<{ readonly data: Summary; readonly window: WindowMeta }, DashboardUnavailable>
  /** Delivered messages per connector and target over a period of complete days. */
  readonly fanout: (
    period: FanoutPeriod
  ) => Effect.Effect<{ readonly data: ReadonlyArray<FanoutRow>; readonly window: WindowMeta }, DashboardUnavailable>
  /** How many registered connectors are in each liveness state now. */
  readonly livenessCounts: Effect.Effect<Readonly<Record<Liveness, number>>, DashboardUnavailable>
  /** The most recent heartbeats whose state was not healthy, newest first. */
  readonly errors: (limit: number) => Effect.Effect<ReadonlyArray<ErrorEntry>, DashboardUnavailable>
}

export class Dashboard extends Context.Tag("switchboard/Dashboard")<Dashboard, DashboardService>() {}
