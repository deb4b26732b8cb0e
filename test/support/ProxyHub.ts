/** A test hub whose database is reached through a TcpProxy, so a test can cut, stall or freeze it. */
import { Context, Effect, Layer } from "effect"
import * as Migrations from "../../layers/Database/Migrations.js"
import type { HubConfigShape } from "../../services/HubConfig.js"
import * as TcpProxy from "./TcpProxy.js"
import * as TestDatabase from "./TestDatabase.js"
import * as TestHub from "./TestHub.js"

export class Proxy extends Context.Tag("test/Proxy")<Proxy, TcpProxy.TcpProxy>() {}
class Target extends Context.Tag("test/Target")<Target, TestDatabase.Target>() {}

const ProxyLive = Layer.scoped(Proxy, Effect.flatMap(Target, TcpProxy.make)).pipe(
  Layer.provideMerge(Layer.scoped(Target, TestDatabase.freshTarget))
)
const DatabaseThroughProxy = Layer.provideMerge(
  Migrations.layer,
  Layer.unwrapEffect(Effect.map(Effect.all([Target, Proxy]), ([target, proxy]) => TestDatabase.servicesFor(target, proxy.port)))
)

/** The hub (with `config`) over a fresh database behind a proxy. */
export const layer = (config: HubConfigShape = TestHub.testConfig) =>
  TestHub.layerWith(DatabaseThroughProxy, config).pipe(Layer.provideMerge(ProxyLive))
