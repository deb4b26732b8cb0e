/** Delivery settings for tests: short polls and retry waits (configuration, not timing assertions). */
import { Duration } from "effect"
import * as DeliveryConfig from "../../../src/delivery/DeliveryConfig.js"

export const fastDelivery: DeliveryConfig.DeliveryOptions = {
  ...DeliveryConfig.defaults,
  pollInterval: Duration.millis(20),
  concurrency: 8,
  requestTimeout: Duration.seconds(3),
  lease: Duration.seconds(10),
  depthInterval: Duration.millis(100),
  retry: { maxAttempts: 4, baseDelayMs: 50, factor: 2, maxDelayMs: 400, jitter: 0.2, maxRetryAfterMs: 5000 },
  // The receivers are real HTTP servers on loopback.
  allowPrivate: true
}
