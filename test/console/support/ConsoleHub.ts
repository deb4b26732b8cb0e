/**
 * A real hub for the console tests: test/support/TestHub.ts (the production routes, console pages included,
 * over a fresh test database on a real socket) with the target tester allowed to reach the loopback test
 * receivers, and, for end-to-end tests, the delivery worker with test settings.
 */
import { ConfigProvider, Layer } from "effect"
import * as DeliveryWorker from "../../../layers/Delivery/DeliveryWorker.js"
import { fastDelivery } from "../../delivery/support/TestOptions.js"
import * as TestHub from "../../support/TestHub.js"

/** The test receivers are on loopback: the target tester may send there (the worker gets fastDelivery). */
const allowLoopback = Layer.setConfigProvider(
  ConfigProvider.fromMap(new Map([["SWITCHBOARD_DELIVERY_ALLOW_PRIVATE", "true"]])).pipe(
    ConfigProvider.orElse(() => ConfigProvider.fromEnv())
  )
)

/** The hub without the delivery worker (serving tests). */
export const layer = TestHub.layer.pipe(Layer.provide(allowLoopback))

/** The hub with its delivery worker (end-to-end tests). */
export const layerDelivering = DeliveryWorker.layerWith(fastDelivery).pipe(Layer.provideMerge(layer))
