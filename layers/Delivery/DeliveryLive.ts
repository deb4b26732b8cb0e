/** Composition of routing and delivery: the stores, the cached router (for ingest), the worker (hub only). */
import { Layer } from "effect"
import * as PgActionTargets from "../Actions/PgActionTargets.js"
import * as CachedRouter from "../Routing/CachedRouter.js"
import * as PgRoutingStore from "../Routing/PgRoutingStore.js"
import * as DeliveryWorker from "./DeliveryWorker.js"
import * as PgDeliveryStore from "./PgDeliveryStore.js"

/** Targets (webhook and action targets), rules, outbox and dead letters over the database (what the admin commands need). */
export const StoresLive = Layer.mergeAll(PgRoutingStore.layer, PgDeliveryStore.layer, PgActionTargets.layer)

/** The router used at acceptance (refreshing from the database), with the stores. */
export const RouterLive = CachedRouter.layerFromEnv.pipe(Layer.provideMerge(StoresLive))

/** The delivery worker configured from SWITCHBOARD_DELIVERY_* (hub only; needs the stores). */
export const WorkerLive = DeliveryWorker.layer
