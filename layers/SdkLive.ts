/** The connector SDK over the database (issue 11): the registry, the resource store, and resource operations through them. */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Layer } from "effect"
import * as ConnectorOperationsLive from "./ConnectorOperations/ConnectorOperationsLive.js"
import * as PgConnectorRegistry from "./ConnectorRegistry/PgConnectorRegistry.js"
import * as PgResourceStore from "./ResourceStore/PgResourceStore.js"

/** Registry and resource store over the database, and ConnectorOperations (which runs the built-ins' faces) over them. */
export const SdkLive = ConnectorOperationsLive.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(PgConnectorRegistry.layer, PgResourceStore.layer)),
  Layer.provide(Layer.mergeAll(NodeHttpClient.layerUndici, NodeContext.layer))
)
