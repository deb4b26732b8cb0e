/** Heartbeats, rollups and the dashboard read side over the database, with their settings from the environment. */
import { Layer } from "effect"
import { StatsConfig } from "../../services/StatsConfig.js"
import * as HeartbeatsLive from "../Heartbeats/HeartbeatsLive.js"
import * as PgHeartbeatStore from "../Heartbeats/PgHeartbeatStore.js"
import * as PgDashboard from "./PgDashboard.js"
import * as PgRollups from "./PgRollups.js"

/** The same services over explicit settings (tests, benchmarks). */
export const layerWith = <E>(config: Layer.Layer<StatsConfig, E>) =>
  Layer.mergeAll(
    HeartbeatsLive.layer.pipe(Layer.provide(PgHeartbeatStore.layer)),
    PgRollups.layer,
    PgDashboard.layer
  ).pipe(Layer.provideMerge(config))

export const layer = layerWith(StatsConfig.layer)
