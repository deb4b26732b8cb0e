/** REST handlers of the console groups (issue 12): thin adapters from HTTP to RequestLog, DeliveryStore, RoutingStore. */
import { HttpApiBuilder } from "@effect/platform"
import { Effect, Layer } from "effect"
import { HubApi } from "../http/Api.js"

const todo = Effect.dieMessage("console route not built yet (issue 12)")

export const RequestsHandlersLive = HttpApiBuilder.group(HubApi, "requests", (handlers) =>
  Effect.succeed(
    handlers.handleRaw("list", () => todo).handleRaw("byKey", () => todo).handleRaw("get", () => todo)
      .handleRaw("replayMany", () => todo).handleRaw("replay", () => todo)
  ))

export const TargetsHandlersLive = HttpApiBuilder.group(HubApi, "targets", (handlers) =>
  Effect.succeed(
    handlers.handleRaw("list", () => todo).handleRaw("create", () => todo).handleRaw("update", () => todo)
      .handleRaw("remove", () => todo).handleRaw("pause", () => todo).handleRaw("resume", () => todo)
      .handleRaw("test", () => todo).handleRaw("routes", () => todo).handleRaw("addRoute", () => todo)
      .handleRaw("evaluate", () => todo).handleRaw("updateRoute", () => todo).handleRaw("removeRoute", () => todo)
  ))

export const DeliveriesHandlersLive = HttpApiBuilder.group(HubApi, "deliveries", (handlers) =>
  Effect.succeed(
    handlers.handleRaw("deadLetters", () => todo).handleRaw("replayAll", () => todo).handleRaw("replayOne", () => todo)
      .handleRaw("overview", () => todo).handleRaw("status", () => todo)
  ))

export const ConsoleHandlersLive = Layer.mergeAll(RequestsHandlersLive, TargetsHandlersLive, DeliveriesHandlersLive)
