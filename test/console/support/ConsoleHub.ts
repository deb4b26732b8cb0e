/**
 * A real hub for the console tests: the production routes plus the console pages (ConsoleRoutes.layer; once
 * src/http/Server.ts mounts it too, the layer is still built once, layers being memoized by reference), the
 * delivery worker with test settings (loopback receivers), over a fresh test database on a real socket.
 * Offers the same TestHub service as test/support/TestHub.ts.
 */
import { HttpServer } from "@effect/platform"
import { ConfigProvider, Effect, Layer, LogLevel, Logger } from "effect"
import * as DeliveryWorker from "../../../layers/Delivery/DeliveryWorker.js"
import * as Live from "../../../layers/Live.js"
import { TokenStore } from "../../../services/TokenStore.js"
import * as ConsoleRoutes from "../../../src/console/Routes.js"
import * as HttpHub from "../../../src/http/Server.js"
import { fastDelivery } from "../../delivery/support/TestOptions.js"
import * as TestDatabase from "../../support/TestDatabase.js"
import * as TestHub from "../../support/TestHub.js"

const info = Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  const address = server.address
  const url = address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : "unix"
  const mintToken = TestHub.minter(yield* TokenStore)
  const admin = yield* mintToken({ role: "admin" })
  return TestHub.TestHub.of({ url, token: admin.token, mintToken })
})

export const routes = Layer.mergeAll(HttpHub.Routes, ConsoleRoutes.layer)

/** The test receivers are on loopback: the target tester may send there (the worker gets fastDelivery). */
const allowLoopback = Layer.setConfigProvider(
  ConfigProvider.fromMap(new Map([["SWITCHBOARD_DELIVERY_ALLOW_PRIVATE", "true"]])).pipe(
    ConfigProvider.orElse(() => ConfigProvider.fromEnv())
  )
)

/** The hub without the delivery worker (serving tests). */
export const layer = Layer.effect(TestHub.TestHub, info).pipe(
  Layer.provideMerge(HttpHub.serve(routes, { host: "127.0.0.1", port: 0 })),
  Layer.provideMerge(Live.appLayer(TestHub.testConfig, TestDatabase.layer)),
  Layer.provide(Logger.minimumLogLevel(LogLevel.Warning)),
  Layer.provide(allowLoopback)
)

/** The hub with its delivery worker (end-to-end tests). */
export const layerDelivering = DeliveryWorker.layerWith(fastDelivery).pipe(Layer.provideMerge(layer))
